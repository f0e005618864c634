/** Every controller by its upstream `--controllers` name. */
import type { ControllerContext, StartedController } from './context.js';
import { startDeploymentController } from './deployment/controller.js';
import { startEndpointSliceController } from './endpoint-slice.js';
import { startEndpointsController } from './endpoints.js';
import { startJobController } from './job/controller.js';
import { startTtlAfterFinishedController } from './ttl-after-finished.js';
import { startCronJobController } from './cronjob/controller.js';
import { startStatefulSetController } from './stateful-set.js';
import { startDaemonSetController } from './daemon-set.js';
import { startPodGc } from './pod-gc.js';
import { startCsrSigningController } from './csr-signing.js';
import { startCsrApprovingController } from './csr-approving.js';
import { startClusterRoleAggregation } from './clusterrole-aggregation.js';
import { startDisruptionController } from './disruption.js';
import { startResourceQuotaController } from './resource-quota.js';
import { startGarbageCollector } from './garbage-collector.js';
import { startNamespaceController } from './namespace.js';
import { startRootCaPublisher } from './root-ca-publisher.js';
import { startServiceAccountController } from './service-account.js';
import { startReplicaSetController, REPLICATION_CONTROLLER } from './replica-set.js';
import { startLocalPathProvisioner } from './local-path-provisioner.js';
import { startServiceLbController } from './service-lb.js';
import { startNodeIpamController } from './node-ipam.js';
import { startNodeLifecycleController } from './node-lifecycle.js';
import { startTaintManager } from './taint-manager.js';
import { startHpaController } from './hpa/controller.js';
import { startEndpointSliceMirroringController } from './endpointslice-mirroring.js';
import { startKubeDnsEndpointsController } from './kube-dns-endpoints.js';

const nodeCommon = (ctx: ControllerContext) => ({ signal: ctx.signal, factory: ctx.factory, clock: ctx.clock, log: ctx.log, metrics: ctx.metrics });

export const CONTROLLERS = {
  replicaset: (ctx: ControllerContext) => startReplicaSetController(ctx),
  replicationcontroller: (ctx: ControllerContext) => startReplicaSetController(ctx, REPLICATION_CONTROLLER),
  deployment: (ctx: ControllerContext) => startDeploymentController(ctx),
  garbagecollector: (ctx: ControllerContext) => startGarbageCollector(ctx),
  namespace: (ctx: ControllerContext) => startNamespaceController(ctx),
  serviceaccount: (ctx: ControllerContext) => startServiceAccountController(ctx),
  'root-ca-certificate-publisher': (ctx: ControllerContext) => startRootCaPublisher(ctx),
  endpointslice: (ctx: ControllerContext) => startEndpointSliceController(ctx),
  endpoint: (ctx: ControllerContext) => startEndpointsController(ctx),
  endpointslicemirroring: (ctx: ControllerContext) => startEndpointSliceMirroringController(ctx),
  job: (ctx: ControllerContext) => startJobController(ctx),
  'ttl-after-finished': (ctx: ControllerContext) => startTtlAfterFinishedController(ctx),
  cronjob: (ctx: ControllerContext) => startCronJobController(ctx),
  statefulset: (ctx: ControllerContext) => startStatefulSetController(ctx),
  daemonset: (ctx: ControllerContext) => startDaemonSetController(ctx),
  podgc: (ctx: ControllerContext) => startPodGc(ctx),
  'certificatesigningrequest-signing': (ctx: ControllerContext) => startCsrSigningController(ctx),
  'certificatesigningrequest-approving': (ctx: ControllerContext) => startCsrApprovingController(ctx),
  'clusterrole-aggregation': (ctx: ControllerContext) => startClusterRoleAggregation(ctx),
  disruption: (ctx: ControllerContext) => startDisruptionController(ctx),
  resourcequota: (ctx: ControllerContext) => startResourceQuotaController(ctx),
  'local-path-provisioner': (ctx: ControllerContext) => startLocalPathProvisioner(ctx, { storageDir: ctx.storageDir }),
  // k3s's ServiceLB (helper C): LoadBalancer Services get the node IPs as ingress.
  'service-lb-controller': (ctx: ControllerContext) => startServiceLbController(ctx),
  horizontalpodautoscaling: (ctx: ControllerContext) => startHpaController(ctx, ctx.hpa),
  nodeipam: (ctx: ControllerContext) => startNodeIpamController(ctx.client, { ...nodeCommon(ctx), clusterCIDR: ctx.node?.clusterCIDR ?? '10.42.0.0/16', nodeMaskSize: ctx.node?.nodeCidrMaskSize }),
  nodelifecycle: (ctx: ControllerContext) =>
    startNodeLifecycleController(ctx.client, {
      ...nodeCommon(ctx),
      gracePeriodMs: ctx.node?.gracePeriodMs,
      evictionQps: ctx.node?.evictionQps,
      secondaryEvictionQps: ctx.node?.secondaryEvictionQps,
      unhealthyZoneThreshold: ctx.node?.unhealthyZoneThreshold,
      largeClusterSizeThreshold: ctx.node?.largeClusterSizeThreshold,
    }),
  'taint-eviction-controller': (ctx: ControllerContext) => startTaintManager(ctx.client, nodeCommon(ctx)),
  // k8ts's own (helper N1): kube-dns's legacy Endpoints from the DNS instances' slices, their readiness from the Nodes.
  'kube-dns-endpoints': (ctx: ControllerContext) => startKubeDnsEndpointsController(ctx),
} satisfies Record<string, (ctx: ControllerContext) => StartedController>;

export type ControllerName = keyof typeof CONTROLLERS;

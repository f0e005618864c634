/**
 * Protobuf message table: core/v1 Volume and every VolumeSource type.
 * Field numbers are those of upstream `k8s.io/api/core/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const coreV1Volumes: GroupTables = {
  messages: {
    'core.AWSElasticBlockStoreVolumeSource': [
      '1 volumeID string', '2 fsType string o', '3 partition int32 o', '4 readOnly bool o',
    ],
    'core.AzureDiskVolumeSource': [
      '1 diskName string', '2 diskURI string', '3 cachingMode string', '4 fsType string',
      '5 readOnly bool', '6 kind string',
    ],
    'core.AzureFileVolumeSource': ['1 secretName string', '2 shareName string', '3 readOnly bool o'],
    'core.CSIVolumeSource': [
      '1 driver string', '2 readOnly bool', '3 fsType string', '4 volumeAttributes {}string',
      '5 nodePublishSecretRef core.LocalObjectReference',
    ],
    'core.CephFSVolumeSource': [
      '1 monitors []string', '2 path string o', '3 user string o', '4 secretFile string o',
      '5 secretRef core.LocalObjectReference', '6 readOnly bool o',
    ],
    'core.CinderVolumeSource': [
      '1 volumeID string', '2 fsType string o', '3 readOnly bool o',
      '4 secretRef core.LocalObjectReference',
    ],
    'core.ClusterTrustBundleProjection': [
      '1 name string', '2 signerName string', '3 labelSelector meta.LabelSelector', '4 path string',
      '5 optional bool',
    ],
    'core.ConfigMapProjection': [
      '1 localObjectReference core.LocalObjectReference i', '2 items []core.KeyToPath',
      '4 optional bool',
    ],
    'core.ConfigMapVolumeSource': [
      '1 localObjectReference core.LocalObjectReference i', '2 items []core.KeyToPath',
      '3 defaultMode int32', '4 optional bool',
    ],
    'core.DownwardAPIProjection': ['1 items []core.DownwardAPIVolumeFile'],
    'core.DownwardAPIVolumeFile': [
      '1 path string', '2 fieldRef core.ObjectFieldSelector',
      '3 resourceFieldRef core.ResourceFieldSelector', '4 mode int32',
    ],
    'core.DownwardAPIVolumeSource': ['1 items []core.DownwardAPIVolumeFile', '2 defaultMode int32'],
    'core.EmptyDirVolumeSource': ['1 medium string o', '2 sizeLimit Quantity'],
    'core.EphemeralVolumeSource': ['1 volumeClaimTemplate core.PersistentVolumeClaimTemplate'],
    'core.FCVolumeSource': [
      '1 targetWWNs []string', '2 lun int32', '3 fsType string o', '4 readOnly bool o',
      '5 wwids []string',
    ],
    'core.FlexVolumeSource': [
      '1 driver string', '2 fsType string o', '3 secretRef core.LocalObjectReference',
      '4 readOnly bool o', '5 options {}string',
    ],
    'core.FlockerVolumeSource': ['1 datasetName string o', '2 datasetUUID string o'],
    'core.GCEPersistentDiskVolumeSource': [
      '1 pdName string', '2 fsType string o', '3 partition int32 o', '4 readOnly bool o',
    ],
    'core.GitRepoVolumeSource': [
      '1 repository string', '2 revision string o', '3 directory string o',
    ],
    'core.GlusterfsVolumeSource': ['1 endpoints string', '2 path string', '3 readOnly bool o'],
    'core.HostPathVolumeSource': ['1 path string', '2 type string'],
    'core.ISCSIVolumeSource': [
      '1 targetPortal string', '2 iqn string', '3 lun int32', '4 iscsiInterface string o',
      '5 fsType string o', '6 readOnly bool o', '7 portals []string', '8 chapAuthDiscovery bool o',
      '10 secretRef core.LocalObjectReference', '11 chapAuthSession bool o',
      '12 initiatorName string',
    ],
    'core.ImageVolumeSource': ['1 reference string o', '2 pullPolicy string o'],
    'core.NFSVolumeSource': ['1 server string', '2 path string', '3 readOnly bool o'],
    'core.PersistentVolumeClaimVolumeSource': ['1 claimName string', '2 readOnly bool o'],
    'core.PhotonPersistentDiskVolumeSource': ['1 pdID string', '2 fsType string o'],
    'core.PortworxVolumeSource': ['1 volumeID string', '2 fsType string o', '3 readOnly bool o'],
    'core.ProjectedVolumeSource': ['1 sources []core.VolumeProjection', '2 defaultMode int32'],
    'core.QuobyteVolumeSource': [
      '1 registry string', '2 volume string', '3 readOnly bool o', '4 user string o',
      '5 group string o', '6 tenant string o',
    ],
    'core.RBDVolumeSource': [
      '1 monitors []string', '2 image string', '3 fsType string o', '4 pool string o',
      '5 user string o', '6 keyring string o', '7 secretRef core.LocalObjectReference',
      '8 readOnly bool o',
    ],
    'core.ScaleIOVolumeSource': [
      '1 gateway string', '2 system string', '3 secretRef core.LocalObjectReference',
      '4 sslEnabled bool o', '5 protectionDomain string o', '6 storagePool string o',
      '7 storageMode string o', '8 volumeName string o', '9 fsType string o', '10 readOnly bool o',
    ],
    'core.SecretProjection': [
      '1 localObjectReference core.LocalObjectReference i', '2 items []core.KeyToPath',
      '4 optional bool',
    ],
    'core.SecretVolumeSource': [
      '1 secretName string o', '2 items []core.KeyToPath', '3 defaultMode int32', '4 optional bool',
    ],
    'core.ServiceAccountTokenProjection': [
      '1 audience string o', '2 expirationSeconds int64', '3 path string',
    ],
    'core.StorageOSVolumeSource': [
      '1 volumeName string o', '2 volumeNamespace string o', '3 fsType string o', '4 readOnly bool o',
      '5 secretRef core.LocalObjectReference',
    ],
    'core.Volume': ['1 name string', '2 volumeSource core.VolumeSource i'],
    'core.VolumeProjection': [
      '1 secret core.SecretProjection', '2 downwardAPI core.DownwardAPIProjection',
      '3 configMap core.ConfigMapProjection',
      '4 serviceAccountToken core.ServiceAccountTokenProjection',
      '5 clusterTrustBundle core.ClusterTrustBundleProjection',
    ],
    'core.VolumeSource': [
      '1 hostPath core.HostPathVolumeSource', '2 emptyDir core.EmptyDirVolumeSource',
      '3 gcePersistentDisk core.GCEPersistentDiskVolumeSource',
      '4 awsElasticBlockStore core.AWSElasticBlockStoreVolumeSource',
      '5 gitRepo core.GitRepoVolumeSource', '6 secret core.SecretVolumeSource',
      '7 nfs core.NFSVolumeSource', '8 iscsi core.ISCSIVolumeSource',
      '9 glusterfs core.GlusterfsVolumeSource',
      '10 persistentVolumeClaim core.PersistentVolumeClaimVolumeSource',
      '11 rbd core.RBDVolumeSource', '12 flexVolume core.FlexVolumeSource',
      '13 cinder core.CinderVolumeSource', '14 cephfs core.CephFSVolumeSource',
      '15 flocker core.FlockerVolumeSource', '16 downwardAPI core.DownwardAPIVolumeSource',
      '17 fc core.FCVolumeSource', '18 azureFile core.AzureFileVolumeSource',
      '19 configMap core.ConfigMapVolumeSource',
      '20 vsphereVolume core.VsphereVirtualDiskVolumeSource', '21 quobyte core.QuobyteVolumeSource',
      '22 azureDisk core.AzureDiskVolumeSource',
      '23 photonPersistentDisk core.PhotonPersistentDiskVolumeSource',
      '24 portworxVolume core.PortworxVolumeSource', '25 scaleIO core.ScaleIOVolumeSource',
      '26 projected core.ProjectedVolumeSource', '27 storageos core.StorageOSVolumeSource',
      '28 csi core.CSIVolumeSource', '29 ephemeral core.EphemeralVolumeSource',
      '30 image core.ImageVolumeSource',
    ],
    'core.VsphereVirtualDiskVolumeSource': [
      '1 volumePath string', '2 fsType string o', '3 storagePolicyName string o',
      '4 storagePolicyID string o',
    ],
  },
};

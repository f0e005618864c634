/**
 * The pause program, as a 283-byte static x86-64 Linux executable written
 * byte by byte: no compiler, no libc, nothing to download. A pod sandbox's
 * PID 1 must do three things:
 *   - hold the pod's namespaces open: it sleeps in pause(2) forever;
 *   - exit 0 on SIGTERM or SIGINT (an init process ignores signals it has no
 *     handler for, so it installs one that calls exit_group(0));
 *   - reap orphans re-parented to it when the pod shares one PID namespace:
 *     SIGCHLD set to SIG_IGN makes the kernel reap them itself.
 * The same program in assembly (GNU as, Intel syntax), loaded at 0x400078:
 *
 *   _start: rt_sigaction(SIGTERM, &act_exit, NULL, 8)   ; eax=13, edi=15
 *           rt_sigaction(SIGINT,  &act_exit, NULL, 8)   ; edi=2
 *           rt_sigaction(SIGCHLD, &act_ign,  NULL, 8)   ; edi=17
 *   loop:   pause(); jmp loop                            ; eax=34
 *   handler: exit_group(0)                               ; eax=231
 *   act_exit: { handler, SA_RESTORER, handler, mask 0 }  ; kernel struct sigaction
 *   act_ign:  { SIG_IGN, 0, 0, 0 }
 *
 * On other architectures k8ts falls back to a busybox shell loop.
 * @module
 */

const BASE = 0x400000;
const EHDR = 64;
const PHDR = 56;
const ENTRY = BASE + EHDR + PHDR; // 0x400078

/** rt_sigaction(sig, [rip + disp], NULL, 8): disp is relative to the next instruction. */
function sigaction(sig: number, disp: number): number[] {
  return [
    0xb8, 13, 0, 0, 0, //                      mov eax, 13 (rt_sigaction)
    0xbf, sig, 0, 0, 0, //                     mov edi, sig
    0x48, 0x8d, 0x35, ...le32(disp), //        lea rsi, [rip + disp]
    0x31, 0xd2, //                             xor edx, edx
    0x41, 0xba, 8, 0, 0, 0, //                 mov r10d, 8 (sizeof sigset_t)
    0x0f, 0x05, //                             syscall
  ];
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function le64(n: number): number[] {
  return [...le32(n), ...le32(Math.floor(n / 2 ** 32))];
}

/** The machine code and data, in load order. */
function text(): Buffer {
  const SIGACTION_LEN = 27; // bytes of one sigaction() sequence
  const LEA_END = 17; // offset just past the lea within one sequence
  const codeLen = 3 * SIGACTION_LEN + 9 + 9; // three calls, the pause loop, the handler
  const actExit = codeLen;
  const actIgn = actExit + 32;
  const handler = 3 * SIGACTION_LEN + 9;
  const at = (i: number) => i * SIGACTION_LEN + LEA_END;
  const bytes = [
    ...sigaction(15, actExit - at(0)),
    ...sigaction(2, actExit - at(1)),
    ...sigaction(17, actIgn - at(2)),
    0xb8, 34, 0, 0, 0, //                      loop: mov eax, 34 (pause)
    0x0f, 0x05, //                             syscall
    0xeb, 0xf7, //                             jmp loop
    0xb8, 231, 0, 0, 0, //                     handler: mov eax, 231 (exit_group)
    0x31, 0xff, //                             xor edi, edi
    0x0f, 0x05, //                             syscall
    ...le64(ENTRY + handler), ...le64(0x04000000), ...le64(ENTRY + handler), ...le64(0), // act_exit
    ...le64(1), ...le64(0), ...le64(0), ...le64(0), //                                       act_ign
  ];
  return Buffer.from(bytes);
}

/** The whole ELF file: header, one PT_LOAD segment (R+X) mapping the file at 0x400000, the text. */
export function pauseElf(): Buffer {
  const body = text();
  const size = EHDR + PHDR + body.length;
  const h = Buffer.alloc(EHDR + PHDR);
  h.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // \x7fELF, 64-bit, little-endian, version 1, System V
  h.writeUInt16LE(2, 16); // e_type: ET_EXEC
  h.writeUInt16LE(62, 18); // e_machine: EM_X86_64
  h.writeUInt32LE(1, 20); // e_version
  h.writeBigUInt64LE(BigInt(ENTRY), 24); // e_entry
  h.writeBigUInt64LE(BigInt(EHDR), 32); // e_phoff
  h.writeBigUInt64LE(0n, 40); // e_shoff: no sections
  h.writeUInt32LE(0, 48); // e_flags
  h.writeUInt16LE(EHDR, 52); // e_ehsize
  h.writeUInt16LE(PHDR, 54); // e_phentsize
  h.writeUInt16LE(1, 56); // e_phnum
  h.writeUInt16LE(64, 58); // e_shentsize
  h.writeUInt16LE(0, 60); // e_shnum
  h.writeUInt16LE(0, 62); // e_shstrndx
  const p = EHDR;
  h.writeUInt32LE(1, p); // p_type: PT_LOAD
  h.writeUInt32LE(5, p + 4); // p_flags: R + X
  h.writeBigUInt64LE(0n, p + 8); // p_offset
  h.writeBigUInt64LE(BigInt(BASE), p + 16); // p_vaddr
  h.writeBigUInt64LE(BigInt(BASE), p + 24); // p_paddr
  h.writeBigUInt64LE(BigInt(size), p + 32); // p_filesz
  h.writeBigUInt64LE(BigInt(size), p + 40); // p_memsz
  h.writeBigUInt64LE(0x1000n, p + 48); // p_align
  return Buffer.concat([h, body]);
}

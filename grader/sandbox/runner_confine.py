"""Weak mode's walls for the child, where bubblewrap cannot make namespaces: a seccomp filter and Landlock.

Standalone on purpose (stdlib and ctypes only, no libseccomp): run in the sandbox as a sibling of runner.py, and
imported by the grader to probe the kernel before it starts a worker. Both need no privilege, only no_new_privs:
- seccomp (a BPF program built here): socket(), ptrace, process_vm_*, mount and the new mount API, unshare, setns,
  clone with a CLONE_NEW* flag, keyctl, bpf, perf_event_open, userfaultfd, io_uring (it could open sockets behind
  the filter's back) and module or kexec loading fail with EPERM; clone3 fails with ENOSYS, so libc falls back
  to clone, whose flags the filter can read. Pipes (the result pipe) and socketpair() are untouched.
- Landlock (ABI 1 and up): reads only under the allowed roots (the Python install, /usr, /proc...), writes only
  in the job's scratch folder; from ABI 4 TCP bind and connect are refused, from ABI 6 signals and abstract unix
  sockets outside the domain.
"""
from __future__ import annotations

import ctypes
import os
import platform
import struct
from collections.abc import Sequence

# Per architecture: the audit arch in seccomp_data, and which column of the syscall tables below is its own.
ARCHES = {"x86_64": (0xC000003E, 0), "aarch64": (0xC00000B7, 1)}
DENIED = {  # name: (x86_64 number, aarch64 number from the generic table)
    "socket": (41, 198), "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "chroot": (161, 51), "unshare": (272, 97),
    "setns": (308, 268), "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218), "bpf": (321, 280),
    "perf_event_open": (298, 241), "userfaultfd": (323, 282), "kexec_load": (246, 104),
    "kexec_file_load": (320, 294), "init_module": (175, 105), "finit_module": (313, 273),
    "delete_module": (176, 106), "acct": (163, 89), "swapon": (167, 224), "swapoff": (168, 225), "reboot": (169, 142),
}
CLONE, SECCOMP = (56, 220), (317, 277)
SHARED_NUMBERS = {"io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
                  "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
                  "mount_setattr": 442}
CLONE3 = 435
LANDLOCK_CREATE, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT = 444, 445, 446
CLONE_NEW_FLAGS = 0x7E020080  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
EPERM, ENOSYS = 1, 38
SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO, SECCOMP_RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
SECCOMP_SET_MODE_FILTER, SECCOMP_GET_ACTION_AVAIL, SECCOMP_FILTER_FLAG_TSYNC = 1, 2, 1
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
# Landlock filesystem rights: bit k is right k; ABI 1 knows 13, ABI 2 adds REFER, 3 TRUNCATE, 5 IOCTL_DEV.
FS_RIGHTS_BY_ABI = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
FILE_ONLY_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)  # what a rule on a file may hold
READ_RIGHTS = EXECUTE | READ_FILE | READ_DIR
O_PATH = getattr(os, "O_PATH", 0o10000000)


class ConfineError(OSError):
    """A wall the probe promised could not be put up: the child stops instead of running unprotected."""


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def _syscall(number: int, *args: int | ctypes.c_void_p | bytes | None) -> int:
    """A raw syscall; the errno as a negative number on failure."""
    result = _libc().syscall(ctypes.c_long(number), *[ctypes.c_ulong(a) if isinstance(a, int) else a for a in args])
    return int(result) if result >= 0 else -ctypes.get_errno()


def _arch() -> tuple[int, int] | None:
    """(audit arch, column in the syscall tables) of this machine, None where there is no table."""
    return ARCHES.get(platform.machine())


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 where it has none (or a container's seccomp refuses the call)."""
    if _arch() is None:
        return 0
    return max(0, _syscall(LANDLOCK_CREATE, None, 0, 1))


def seccomp_available() -> bool:
    """Whether this kernel (and any filter already on us) lets us install a filter that returns errors."""
    arch = _arch()
    if arch is None:
        return False
    action = ctypes.c_uint32(SECCOMP_RET_ERRNO)
    return _syscall(SECCOMP[arch[1]], SECCOMP_GET_ACTION_AVAIL, 0, ctypes.cast(ctypes.byref(action),
                                                                                    ctypes.c_void_p)) == 0


def _statement(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def seccomp_program() -> bytes:
    """The BPF program: kill on a foreign arch, EPERM on the denied syscalls, ENOSYS on clone3, allow the rest."""
    arch = _arch()
    if arch is None:
        raise ConfineError(f"no seccomp table for {platform.machine()}")
    audit_arch, column = arch
    denied = sorted({*(numbers[column] for numbers in DENIED.values()), *SHARED_NUMBERS.values()})
    clone = CLONE[column]
    load_w, jeq, jset, jge, ret = 0x20, 0x15, 0x45, 0x35, 0x06
    program = [_statement(load_w, 4), _statement(jeq, audit_arch, 1, 0), _statement(ret, SECCOMP_RET_KILL_PROCESS),
               _statement(load_w, 0)]
    if audit_arch == ARCHES["x86_64"][0]:  # x32 syscalls (bit 30) would bypass the numbers below
        program += [_statement(jge, 0x40000000, 0, 1), _statement(ret, SECCOMP_RET_ERRNO | EPERM)]
    program += [_statement(jeq, CLONE3, 0, 1), _statement(ret, SECCOMP_RET_ERRNO | ENOSYS),
                _statement(jeq, clone, 0, 4), _statement(load_w, 16),  # clone's flags: args[0], low half
                _statement(jset, CLONE_NEW_FLAGS, 1, 0), _statement(ret, SECCOMP_RET_ALLOW),
                _statement(ret, SECCOMP_RET_ERRNO | EPERM)]
    # Each denied number jumps forward to the one EPERM at the very end; no match falls through to ALLOW.
    program += [_statement(jeq, number, len(denied) - index, 0) for index, number in enumerate(denied)]
    program += [_statement(ret, SECCOMP_RET_ALLOW), _statement(ret, SECCOMP_RET_ERRNO | EPERM)]
    return b"".join(program)


def install_seccomp() -> None:
    """Put the filter on this process (every thread, TSYNC); no_new_privs first, as an unprivileged caller must."""
    libc = _libc()
    program = seccomp_program()
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = struct.pack("=HxxxxxxQ", len(program) // 8, ctypes.addressof(buffer))
    fprog_buffer = ctypes.create_string_buffer(fprog, len(fprog))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise ConfineError(f"no_new_privs: {os.strerror(ctypes.get_errno())}")
    arch = _arch()
    assert arch is not None
    pointer = ctypes.cast(fprog_buffer, ctypes.c_void_p)
    if _syscall(SECCOMP[arch[1]], SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, pointer) == 0:
        return
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, pointer, 0, 0) != 0:
        raise ConfineError(f"seccomp filter refused: {os.strerror(ctypes.get_errno())}")


def install_landlock(abi: int, read_roots: Sequence[str], write_roots: Sequence[str]) -> None:
    """Reads only under read_roots (and write_roots), writes only under write_roots, for this process and its children."""
    if abi <= 0:
        raise ConfineError("this kernel has no Landlock")
    every_fs_right = (1 << FS_RIGHTS_BY_ABI.get(abi, 16)) - 1
    attr = struct.pack("=Q", every_fs_right)
    if abi >= 4:
        attr += struct.pack("=Q", 1 | 2)  # TCP bind and connect: no rule allows them
    if abi >= 6:
        attr += struct.pack("=Q", 1 | 2)  # abstract unix sockets and signals outside the domain
    attr_buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _syscall(LANDLOCK_CREATE, ctypes.cast(attr_buffer, ctypes.c_void_p), len(attr), 0)
    if ruleset < 0:
        raise ConfineError(f"landlock_create_ruleset: {os.strerror(-ruleset)}")
    try:
        for roots, rights in ((read_roots, READ_RIGHTS), (write_roots, every_fs_right)):
            for root in dict.fromkeys(roots):
                _allow(ruleset, root, rights)
        if _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise ConfineError(f"no_new_privs: {os.strerror(ctypes.get_errno())}")
        done = _syscall(LANDLOCK_RESTRICT, ruleset, 0)
        if done < 0:
            raise ConfineError(f"landlock_restrict_self: {os.strerror(-done)}")
    finally:
        os.close(ruleset)


def _allow(ruleset: int, root: str, rights: int) -> None:
    """One path_beneath rule; a path that does not exist here is skipped (/lib64 on aarch64)."""
    try:
        fd = os.open(root, O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(root):
            rights &= FILE_ONLY_RIGHTS
        rule = struct.pack("=Qi", rights, fd)
        rule_buffer = ctypes.create_string_buffer(rule, len(rule))
        done = _syscall(LANDLOCK_ADD_RULE, ruleset, 1, ctypes.cast(rule_buffer, ctypes.c_void_p), 0)
        if done < 0:
            raise ConfineError(f"landlock_add_rule {root}: {os.strerror(-done)}")
    finally:
        os.close(fd)

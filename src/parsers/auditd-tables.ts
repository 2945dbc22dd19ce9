// Lookup tables for Linux audit records: message type numbers (linux/audit.h and libaudit.h),
// audit architecture ids, a syscall subset per architecture and errno names.

// Consecutive type numbers written as [first number, space-separated names]; '-' skips a number.
const TYPE_RUNS: Array<[number, string]> = [
  [1006, 'LOGIN'],
  [
    1100,
    'USER_AUTH USER_ACCT USER_MGMT CRED_ACQ CRED_DISP USER_START USER_END USER_AVC USER_CHAUTHTOK ' +
      'USER_ERR CRED_REFR USYS_CONFIG USER_LOGIN USER_LOGOUT ADD_USER DEL_USER ADD_GROUP DEL_GROUP ' +
      'DAC_CHECK CHGRP_ID TEST TRUSTED_APP USER_SELINUX_ERR USER_CMD USER_TTY CHUSER_ID GRP_AUTH ' +
      'SYSTEM_BOOT SYSTEM_SHUTDOWN SYSTEM_RUNLEVEL SERVICE_START SERVICE_STOP GRP_MGMT GRP_CHAUTHTOK ' +
      'MAC_CHECK ACCT_LOCK ACCT_UNLOCK USER_DEVICE SOFTWARE_UPDATE',
  ],
  [
    1200,
    'DAEMON_START DAEMON_END DAEMON_ABORT DAEMON_CONFIG DAEMON_RECONFIG DAEMON_ROTATE DAEMON_RESUME ' +
      'DAEMON_ACCEPT DAEMON_CLOSE DAEMON_ERR',
  ],
  [
    1300,
    'SYSCALL - PATH IPC SOCKETCALL CONFIG_CHANGE SOCKADDR CWD - EXECVE - IPC_SET_PERM MQ_OPEN ' +
      'MQ_SENDRECV MQ_NOTIFY MQ_GETSETATTR KERNEL_OTHER FD_PAIR OBJ_PID TTY EOE BPRM_FCAPS CAPSET MMAP ' +
      'NETFILTER_PKT NETFILTER_CFG SECCOMP PROCTITLE FEATURE_CHANGE REPLACE KERN_MODULE FANOTIFY ' +
      'TIME_INJOFFSET TIME_ADJNTPVAL BPF EVENT_LISTENER URINGOP OPENAT2 DM_CTRL DM_EVENT',
  ],
  [
    1400,
    'AVC SELINUX_ERR AVC_PATH MAC_POLICY_LOAD MAC_STATUS MAC_CONFIG_CHANGE MAC_UNLBL_ALLOW ' +
      'MAC_CIPSOV4_ADD MAC_CIPSOV4_DEL MAC_MAP_ADD MAC_MAP_DEL MAC_IPSEC_ADDSA MAC_IPSEC_DELSA ' +
      'MAC_IPSEC_ADDSPD MAC_IPSEC_DELSPD MAC_IPSEC_EVENT MAC_UNLBL_STCADD MAC_UNLBL_STCDEL ' +
      'MAC_CALIPSO_ADD MAC_CALIPSO_DEL',
  ],
  [
    1500,
    'APPARMOR APPARMOR_AUDIT APPARMOR_ALLOWED APPARMOR_DENIED APPARMOR_HINT APPARMOR_STATUS APPARMOR_ERROR',
  ],
  [1700, 'ANOM_PROMISCUOUS ANOM_ABEND ANOM_LINK ANOM_CREAT'],
  [
    1800,
    'INTEGRITY_DATA INTEGRITY_METADATA INTEGRITY_STATUS INTEGRITY_HASH INTEGRITY_PCR INTEGRITY_RULE ' +
      'INTEGRITY_EVM_XATTR INTEGRITY_POLICY_RULE',
  ],
  [2000, 'KERNEL'],
  [
    2100,
    'ANOM_LOGIN_FAILURES ANOM_LOGIN_TIME ANOM_LOGIN_SESSIONS ANOM_LOGIN_ACCT ANOM_LOGIN_LOCATION ' +
      'ANOM_MAX_DAC ANOM_MAX_MAC ANOM_AMTU_FAIL ANOM_RBAC_FAIL ANOM_RBAC_INTEGRITY_FAIL ' +
      'ANOM_CRYPTO_FAIL ANOM_ACCESS_FS ANOM_EXEC ANOM_MK_EXEC ANOM_ADD_ACCT ANOM_DEL_ACCT ANOM_MOD_ACCT ' +
      'ANOM_ROOT_TRANS ANOM_LOGIN_SERVICE ANOM_LOGIN_ROOT ANOM_ORIGIN_FAILURES ANOM_SESSION',
  ],
  [
    2200,
    'RESP_ANOMALY RESP_ALERT RESP_KILL_PROC RESP_TERM_ACCESS RESP_ACCT_REMOTE RESP_ACCT_LOCK_TIMED ' +
      'RESP_ACCT_UNLOCK_TIMED RESP_ACCT_LOCK RESP_TERM_LOCK RESP_SEBOOL RESP_EXEC RESP_SINGLE RESP_HALT ' +
      'RESP_ORIGIN_BLOCK RESP_ORIGIN_BLOCK_TIMED',
  ],
  [
    2300,
    'USER_ROLE_CHANGE ROLE_ASSIGN ROLE_REMOVE LABEL_OVERRIDE LABEL_LEVEL_CHANGE USER_LABELED_EXPORT ' +
      'USER_UNLABELED_EXPORT DEV_ALLOC DEV_DEALLOC FS_RELABEL USER_MAC_POLICY_LOAD ROLE_MODIFY ' +
      'USER_MAC_CONFIG_CHANGE USER_MAC_STATUS',
  ],
  [
    2400,
    'CRYPTO_TEST_USER CRYPTO_PARAM_CHANGE_USER CRYPTO_LOGIN CRYPTO_LOGOUT CRYPTO_KEY_USER ' +
      'CRYPTO_FAILURE_USER CRYPTO_REPLAY_USER CRYPTO_SESSION CRYPTO_IKE_SA CRYPTO_IPSEC_SA',
  ],
  [
    2500,
    'VIRT_CONTROL VIRT_RESOURCE VIRT_MACHINE_ID VIRT_INTEGRITY_CHECK VIRT_CREATE VIRT_DESTROY ' +
      'VIRT_MIGRATE_IN VIRT_MIGRATE_OUT',
  ],
];

const TYPE_NUMBERS = new Map<string, number>();
for (const [first, names] of TYPE_RUNS) {
  names.split(' ').forEach((name, i) => {
    if (name !== '-') TYPE_NUMBERS.set(name, first + i);
  });
}

/** The numeric record type of a type name (`SYSCALL`, `UNKNOWN[1329]`), when known. */
export function auditTypeNumber(type: string): number | undefined {
  const known = TYPE_NUMBERS.get(type);
  if (known !== undefined) return known;
  const m = /^UNKNOWN\[(\d+)\]$/.exec(type);
  return m ? Number(m[1]) : undefined;
}

/**
 * True for records that make an event by themselves, as go-libaudit's reassembler decides:
 * PROCTITLE (the last record of a syscall event), user-space and daemon messages (1100-1299) and
 * the second user-space range (>= 2100). LOGIN (1006) is a kernel record written inside the
 * write(2) to /proc/self/loginuid: its SYSCALL and PROCTITLE follow with the same serial.
 */
export function isStandaloneType(typeNumber: number | undefined): boolean {
  if (typeNumber === undefined) return false;
  return typeNumber === 1327 || (typeNumber >= 1100 && typeNumber <= 1299) || typeNumber >= 2100;
}

/** AUDIT_ARCH_* values (linux/audit.h) as written in `arch=`. */
export const ARCH_NAMES: Record<string, string> = {
  c000003e: 'x86_64',
  '40000003': 'i386',
  c00000b7: 'aarch64',
  '40000028': 'arm',
  '80000015': 'ppc64',
  c0000015: 'ppc64le',
  '80000016': 's390x',
  c00000f3: 'riscv64',
};

// x86_64 syscalls 0..176 in order (arch/x86/entry/syscalls/syscall_64.tbl), then a sparse tail.
const X86_64_DENSE =
  'read write open close stat fstat lstat poll lseek mmap mprotect munmap brk rt_sigaction ' +
  'rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv writev access pipe select sched_yield ' +
  'mremap msync mincore madvise shmget shmat shmctl dup dup2 pause nanosleep getitimer alarm ' +
  'setitimer getpid sendfile socket connect accept sendto recvfrom sendmsg recvmsg shutdown bind ' +
  'listen getsockname getpeername socketpair setsockopt getsockopt clone fork vfork execve exit ' +
  'wait4 kill uname semget semop semctl shmdt msgget msgsnd msgrcv msgctl fcntl flock fsync ' +
  'fdatasync truncate ftruncate getdents getcwd chdir fchdir rename mkdir rmdir creat link unlink ' +
  'symlink readlink chmod fchmod chown fchown lchown umask gettimeofday getrlimit getrusage sysinfo ' +
  'times ptrace getuid syslog getgid setuid setgid geteuid getegid setpgid getppid getpgrp setsid ' +
  'setreuid setregid getgroups setgroups setresuid getresuid setresgid getresgid getpgid setfsuid ' +
  'setfsgid getsid capget capset rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigsuspend ' +
  'sigaltstack utime mknod uselib personality ustat statfs fstatfs sysfs getpriority setpriority ' +
  'sched_setparam sched_getparam sched_setscheduler sched_getscheduler sched_get_priority_max ' +
  'sched_get_priority_min sched_rr_get_interval mlock munlock mlockall munlockall vhangup modify_ldt ' +
  'pivot_root _sysctl prctl arch_prctl adjtimex setrlimit chroot sync acct settimeofday mount ' +
  'umount2 swapon swapoff reboot sethostname setdomainname iopl ioperm create_module init_module ' +
  'delete_module';

const X86_64_SPARSE: Record<number, string> = {
  200: 'tkill',
  202: 'futex',
  217: 'getdents64',
  228: 'clock_gettime',
  230: 'clock_nanosleep',
  231: 'exit_group',
  232: 'epoll_wait',
  233: 'epoll_ctl',
  234: 'tgkill',
  235: 'utimes',
  246: 'kexec_load',
  247: 'waitid',
  248: 'add_key',
  249: 'request_key',
  250: 'keyctl',
  254: 'inotify_add_watch',
  257: 'openat',
  258: 'mkdirat',
  259: 'mknodat',
  260: 'fchownat',
  261: 'futimesat',
  262: 'newfstatat',
  263: 'unlinkat',
  264: 'renameat',
  265: 'linkat',
  266: 'symlinkat',
  267: 'readlinkat',
  268: 'fchmodat',
  269: 'faccessat',
  270: 'pselect6',
  271: 'ppoll',
  272: 'unshare',
  280: 'utimensat',
  288: 'accept4',
  298: 'perf_event_open',
  299: 'recvmmsg',
  304: 'open_by_handle_at',
  305: 'clock_adjtime',
  307: 'sendmmsg',
  308: 'setns',
  310: 'process_vm_readv',
  311: 'process_vm_writev',
  313: 'finit_module',
  316: 'renameat2',
  317: 'seccomp',
  319: 'memfd_create',
  320: 'kexec_file_load',
  321: 'bpf',
  322: 'execveat',
  437: 'openat2',
  439: 'faccessat2',
};

const I386: Record<number, string> = {
  1: 'exit',
  2: 'fork',
  3: 'read',
  4: 'write',
  5: 'open',
  6: 'close',
  8: 'creat',
  9: 'link',
  10: 'unlink',
  11: 'execve',
  12: 'chdir',
  14: 'mknod',
  15: 'chmod',
  16: 'lchown',
  21: 'mount',
  23: 'setuid',
  26: 'ptrace',
  37: 'kill',
  38: 'rename',
  39: 'mkdir',
  40: 'rmdir',
  52: 'umount2',
  61: 'chroot',
  102: 'socketcall',
  128: 'init_module',
  129: 'delete_module',
  132: 'getpgid',
  213: 'setuid32',
  295: 'openat',
  301: 'unlinkat',
  358: 'execveat',
  362: 'connect',
};

const AARCH64: Record<number, string> = {
  35: 'unlinkat',
  38: 'renameat',
  39: 'umount2',
  40: 'mount',
  53: 'fchmodat',
  54: 'fchownat',
  56: 'openat',
  105: 'init_module',
  106: 'delete_module',
  117: 'ptrace',
  129: 'kill',
  144: 'setgid',
  146: 'setuid',
  147: 'setresuid',
  198: 'socket',
  200: 'bind',
  202: 'accept',
  203: 'connect',
  206: 'sendto',
  221: 'execve',
  242: 'accept4',
  273: 'finit_module',
  281: 'execveat',
};

const SYSCALLS: Record<string, Record<number, string>> = {
  x86_64: { ...Object.fromEntries(X86_64_DENSE.split(' ').map((n, i) => [i, n])), ...X86_64_SPARSE },
  i386: I386,
  aarch64: AARCH64,
};

/** Syscall name for an architecture name and decimal number, when in the tables above. */
export function syscallName(arch: string | undefined, num: string | undefined): string | undefined {
  if (!arch || !num || !/^\d+$/.test(num)) return undefined;
  return SYSCALLS[arch]?.[Number(num)];
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  4: 'EINTR',
  5: 'EIO',
  6: 'ENXIO',
  7: 'E2BIG',
  8: 'ENOEXEC',
  9: 'EBADF',
  10: 'ECHILD',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  16: 'EBUSY',
  17: 'EEXIST',
  18: 'EXDEV',
  19: 'ENODEV',
  20: 'ENOTDIR',
  21: 'EISDIR',
  22: 'EINVAL',
  23: 'ENFILE',
  24: 'EMFILE',
  25: 'ENOTTY',
  26: 'ETXTBSY',
  27: 'EFBIG',
  28: 'ENOSPC',
  29: 'ESPIPE',
  30: 'EROFS',
  31: 'EMLINK',
  32: 'EPIPE',
  36: 'ENAMETOOLONG',
  38: 'ENOSYS',
  39: 'ENOTEMPTY',
  40: 'ELOOP',
  61: 'ENODATA',
  88: 'ENOTSOCK',
  95: 'EOPNOTSUPP',
  97: 'EAFNOSUPPORT',
  98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL',
  101: 'ENETUNREACH',
  104: 'ECONNRESET',
  110: 'ETIMEDOUT',
  111: 'ECONNREFUSED',
  113: 'EHOSTUNREACH',
  114: 'EALREADY',
  115: 'EINPROGRESS',
};

/** `exit=-13` -> `EACCES`; undefined for a non-negative or unknown code. */
export function errnoName(exit: string | undefined): string | undefined {
  if (!exit || !/^-\d+$/.test(exit)) return undefined;
  return ERRNO_NAMES[-Number(exit)];
}

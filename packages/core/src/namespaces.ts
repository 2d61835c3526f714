/** clone() flags for the namespaces, from <linux/sched.h>. */
export const CLONE_NEWTIME = 0x00000080n;
export const CLONE_NEWNS = 0x00020000n;
export const CLONE_NEWCGROUP = 0x02000000n;
export const CLONE_NEWUTS = 0x04000000n;
export const CLONE_NEWIPC = 0x08000000n;
export const CLONE_NEWUSER = 0x10000000n;
export const CLONE_NEWPID = 0x20000000n;
export const CLONE_NEWNET = 0x40000000n;

/** /proc/PID/ns names, in the order inject joins them (user first, mnt last). */
export const NAMESPACE_ORDER = ['cgroup', 'ipc', 'net', 'pid', 'time', 'uts', 'mnt'] as const;

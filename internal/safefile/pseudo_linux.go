//go:build linux

package safefile

import (
	"os"

	"golang.org/x/sys/unix"
)

// pseudo tells a file of /proc, /sys and their like, whose size says
// nothing of what reading gives (0 bytes stated, anything read, some
// reads that never end).
func pseudo(f *os.File) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	var st unix.Statfs_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Fstatfs(int(fd), &st) }); err != nil || serr != nil {
		return false
	}
	return pseudoFS(int64(st.Type))
}

// pseudoFS tells whether a filesystem type (statfs f_type) is a kernel
// pseudo-filesystem: proc, sysfs, debugfs, tracefs, securityfs, cgroup,
// efivarfs, bpf.
func pseudoFS(t int64) bool {
	switch t {
	case unix.PROC_SUPER_MAGIC, unix.SYSFS_MAGIC, unix.DEBUGFS_MAGIC, unix.TRACEFS_MAGIC,
		unix.SECURITYFS_MAGIC, unix.CGROUP_SUPER_MAGIC, unix.CGROUP2_SUPER_MAGIC,
		unix.EFIVARFS_MAGIC, unix.BPF_FS_MAGIC:
		return true
	}
	return false
}

// PseudoDir tells whether the directory at path is on a kernel
// pseudo-filesystem, so that a walk skips it whole.
func PseudoDir(path string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false
	}
	return pseudoFS(int64(st.Type))
}

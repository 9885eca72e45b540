package proc

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"

	"golang.org/x/sys/unix"
)

// FIFO is a notify FIFO opened as keepalived opens it (notify.c
// fifo_open): created with mode 0644 if missing (and given to its
// configured user and group), opened read-write and non-blocking so that
// writes never wait for a reader, and refused unless it is a FIFO owned
// by us or its configured user.
type FIFO struct {
	fd      int
	path    string
	created bool
}

// OpenFIFO opens the FIFO at path; userName and group may be empty.
func OpenFIFO(path, userName, group string) (*FIFO, error) {
	uid, gid := -1, -1
	if userName != "" {
		u, err := user.Lookup(userName)
		if err != nil {
			return nil, fmt.Errorf("notify fifo %s: user %s: %w", path, userName, err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	}
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return nil, fmt.Errorf("notify fifo %s: group %s: %w", path, group, err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	ff := &FIFO{path: path}
	switch err := unix.Mkfifo(path, 0o644); {
	case err == nil:
		ff.created = true
		if uid >= 0 || gid >= 0 {
			_ = os.Lchown(path, uid, gid)
		}
	case errors.Is(err, unix.EEXIST):
	default:
		return nil, fmt.Errorf("unable to create notify fifo %s: %w", path, err)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0)
	if err != nil {
		ff.unlink()
		return nil, fmt.Errorf("unable to open notify fifo %s: %w", path, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO ||
		int(st.Uid) != os.Getuid() && int(st.Uid) != uid {
		unix.Close(fd)
		return nil, fmt.Errorf("notify fifo %s is not a fifo we own - not using", path)
	}
	ff.fd = fd
	return ff, nil
}

// Write writes one line; a full FIFO (no reader keeping up) loses it
// with an error rather than blocking the daemon. (An os.File would wait
// in the poller for room.)
func (f *FIFO) Write(b []byte) (int, error) {
	n, err := unix.Write(f.fd, b)
	if err != nil {
		return max(n, 0), fmt.Errorf("notify fifo %s: %w", f.path, err)
	}
	return n, nil
}

// Path is the FIFO's path.
func (f *FIFO) Path() string { return f.path }

// Close closes the FIFO and removes it if we created it.
func (f *FIFO) Close() error {
	err := unix.Close(f.fd)
	f.unlink()
	return err
}

func (f *FIFO) unlink() {
	if f.created {
		_ = os.Remove(f.path)
		f.created = false
	}
}

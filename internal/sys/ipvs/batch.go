package ipvs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/cloudflare/ipvs"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// The batch path: cloudflare/ipvs makes one request and waits for its
// acknowledgement per operation (with the Go netpoller's wake-ups around
// each), which is what made programming 10,000 destinations three times
// slower than keepalived. Here the changes of one Apply are encoded as
// IPVS generic netlink commands, written up to batchSize at a time in one
// sendmsg on a blocking socket, and their acknowledgements read back and
// matched by sequence number.

// batchSize is how many commands one sendmsg carries: their acks (a few
// hundred bytes of socket buffer each) must fit the receive buffer.
const batchSize = 128

// IPVS generic netlink commands and attributes (linux/ip_vs.h).
const (
	cmdNewService = 1
	cmdSetService = 2
	cmdDelService = 3
	cmdNewDest    = 5
	cmdSetDest    = 6
	cmdDelDest    = 7

	attrService = 1
	attrDest    = 2

	svcAF       = 1
	svcProtocol = 2
	svcAddr     = 3
	svcPort     = 4
	svcFWMark   = 5
	svcSched    = 6
	svcFlags    = 7
	svcTimeout  = 8
	svcNetmask  = 9

	destAddr     = 1
	destPort     = 2
	destFwd      = 3
	destWeight   = 4
	destUThresh  = 5
	destLThresh  = 6
	destFamily   = 11
	destTunType  = 13
	destTunPort  = 14
	destTunFlags = 15
)

// batchConn is a blocking generic netlink socket for the IPVS family.
type batchConn struct {
	fd     int
	family uint16
	seq    uint32
	buf    []byte // acks
	out    []byte // requests, kept between batches
}

func dialBatch(family uint16) (*batchConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_GENERIC)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink bind: %w", err)
	}
	// Acks without the request echoed back; room for a batch of them.
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_CAP_ACK, 1)
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 1<<20) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	}
	return &batchConn{fd: fd, family: family, buf: make([]byte, 1<<16)}, nil
}

// Close implements io.Closer.
func (b *batchConn) Close() error { return unix.Close(b.fd) }

// applyBatch makes the changes in batches and returns an *lvs.ApplyError
// at the first change the kernel refused. Done counts the changes before
// it; the kernel goes on with the rest of that batch, so some after it
// may have been made too: the caller reads the state again after an
// error (lvs.Reconciler does).
func (d *Dataplane) applyBatch(changes []lvs.Change) error {
	b := d.batch
	for start := 0; start < len(changes); start += batchSize {
		chunk := changes[start:min(start+batchSize, len(changes))]
		first := b.seq + 1
		out := b.out[:0]
		for i, ch := range chunk {
			var err error
			if out, err = appendChange(out, b.family, first+uint32(i), ch); err != nil {
				return &lvs.ApplyError{Done: start + i, Change: ch, Err: err}
			}
		}
		b.out = out
		b.seq += uint32(len(chunk))
		i, err := b.exec(out, first, len(chunk))
		if err != nil {
			if i < 0 { // the socket failed: which changes were made is unknown
				return &lvs.ApplyError{Done: start, Change: chunk[0], Err: err}
			}
			return &lvs.ApplyError{Done: start + i, Change: chunk[i], Err: kernelError(chunk[i].Op, err)}
		}
	}
	return nil
}

// exec sends n netlink messages (sequence numbers first...) in one write
// and waits for every ack. It returns the index of the first refused
// command and its errno, or -1 with a socket error.
func (b *batchConn) exec(msgs []byte, first uint32, n int) (int, error) {
	if err := unix.Sendto(b.fd, msgs, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return -1, fmt.Errorf("netlink send: %w", err)
	}
	failed, failErr := -1, error(nil)
	for acked := 0; acked < n; {
		got, _, err := unix.Recvfrom(b.fd, b.buf, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return -1, fmt.Errorf("netlink receive: %w", err)
		}
		acks, err := parseAcks(b.buf[:got], first, n, func(i int, errno syscall.Errno) {
			if failed < 0 || i < failed {
				failed, failErr = i, errno
			}
		})
		if err != nil {
			return -1, fmt.Errorf("netlink receive: %w", err)
		}
		acked += acks
	}
	return failed, failErr
}

// parseAcks reads the netlink messages of one receive and counts the
// acks of the n requests numbered first...; refused calls back with the
// request's index and errno for each refused one. Other messages are
// skipped.
func parseAcks(b []byte, first uint32, n int, refused func(int, syscall.Errno)) (int, error) {
	acks := 0
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(binary.NativeEndian.Uint32(b[0:]))
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return acks, fmt.Errorf("bad message length %d of %d bytes", l, len(b))
		}
		typ := binary.NativeEndian.Uint16(b[4:])
		seq := binary.NativeEndian.Uint32(b[8:])
		if typ == unix.NLMSG_ERROR && seq >= first && seq-first < uint32(n) {
			if l < unix.NLMSG_HDRLEN+4 {
				return acks, errors.New("short ack")
			}
			acks++
			if errno := -int32(binary.NativeEndian.Uint32(b[unix.NLMSG_HDRLEN:])); errno != 0 {
				refused(int(seq-first), syscall.Errno(errno))
			}
		}
		b = b[min(nlAlign(l), len(b)):]
	}
	return acks, nil
}

func nlAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// The commands of each operation.
var commands = [...]uint8{
	lvs.AddService: cmdNewService, lvs.UpdateService: cmdSetService, lvs.DelService: cmdDelService,
	lvs.AddDest: cmdNewDest, lvs.UpdateDest: cmdSetDest, lvs.DelDest: cmdDelDest,
}

// appendChange appends one change to b as a generic netlink request for
// the IPVS family fam, with sequence number seq and an ack requested:
// the netlink and generic netlink headers, then the service attribute
// and, for a destination, the destination attribute. It writes into b
// directly (10,000 destinations at start are 10,000 of these; the
// netlink package's encoder allocated thirty times for each).
func appendChange(b []byte, fam uint16, seq uint32, ch lvs.Change) ([]byte, error) {
	if int(ch.Op) >= len(commands) || commands[ch.Op] == 0 {
		return b, fmt.Errorf("unknown operation %d", uint8(ch.Op))
	}
	var (
		svc ipvs.Service
		dst ipvs.Destination
		err error
	)
	full := ch.Op == lvs.AddService || ch.Op == lvs.UpdateService
	if full {
		svc, err = toService(ch.Service)
	} else {
		svc, err = serviceID(ch.Service.Key)
	}
	if err != nil {
		return b, err
	}
	isDest := ch.Op == lvs.AddDest || ch.Op == lvs.UpdateDest || ch.Op == lvs.DelDest
	if ch.Op == lvs.DelDest {
		dst, err = destID(ch.Dest.Key)
	} else if isDest {
		dst, err = toDest(ch.Dest)
	}
	if err != nil {
		return b, err
	}
	msg := len(b)
	b = binary.NativeEndian.AppendUint32(b, 0) // length, set below
	b = binary.NativeEndian.AppendUint16(b, fam)
	b = binary.NativeEndian.AppendUint16(b, unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	b = binary.NativeEndian.AppendUint32(b, seq)
	b = binary.NativeEndian.AppendUint32(b, 0) // port id: the kernel's
	b = append(b, commands[ch.Op], genlVersion, 0, 0)
	b = appendService(b, svc, full)
	if isDest {
		b = appendDest(b, dst, ch.Op != lvs.DelDest)
	}
	binary.NativeEndian.PutUint32(b[msg:], uint32(len(b)-msg))
	return b, nil
}

// appendService appends the service attribute: its identity, and with
// full its scheduler, flags, timeout and netmask (which the kernel needs
// to create or update one).
func appendService(b []byte, s ipvs.Service, full bool) []byte {
	b, nest := beginAttr(b, attrService)
	b = appendU16(b, svcAF, uint16(s.Family))
	if s.FWMark != 0 {
		b = appendU32(b, svcFWMark, s.FWMark)
	} else {
		b = appendU16(b, svcProtocol, uint16(s.Protocol))
		b = appendAddr(b, svcAddr, s.Address)
		b = appendPort(b, svcPort, s.Port)
	}
	if full {
		var a int
		b, a = beginAttr(b, svcSched)
		b = append(append(b, s.Scheduler...), 0)
		b = endAttr(b, a)
		b, a = beginAttr(b, svcFlags) // struct ip_vs_flags: flags, mask
		b = binary.NativeEndian.AppendUint32(b, uint32(s.Flags))
		b = binary.NativeEndian.AppendUint32(b, 0xffffffff)
		b = endAttr(b, a)
		b = appendU32(b, svcTimeout, s.Timeout)
		switch {
		case s.Netmask.Is4():
			b, a = beginAttr(b, svcNetmask)
			b = endAttr(append(b, s.Netmask.AsSlice()...), a)
		case s.Netmask.Is6():
			if ones := s.Netmask.Bits(); ones >= 0 {
				b = appendU32(b, svcNetmask, uint32(ones))
			}
		}
	}
	return endAttr(b, nest)
}

// appendDest appends the destination attribute: its identity, and with
// full its forwarding method, weight, thresholds and tunnel.
func appendDest(b []byte, d ipvs.Destination, full bool) []byte {
	b, nest := beginAttr(b, attrDest)
	b = appendU16(b, destFamily, uint16(d.Family))
	b = appendAddr(b, destAddr, d.Address)
	b = appendPort(b, destPort, d.Port)
	if full {
		b = appendU32(b, destFwd, uint32(d.FwdMethod))
		b = appendU32(b, destWeight, d.Weight)
		b = appendU32(b, destUThresh, d.UpperThreshold)
		b = appendU32(b, destLThresh, d.LowerThreshold)
		var a int
		b, a = beginAttr(b, destTunType)
		b = endAttr(append(b, uint8(d.TunnelType)), a)
		b = appendPort(b, destTunPort, d.TunnelPort)
		b = appendU16(b, destTunFlags, uint16(d.TunnelFlags))
	}
	return endAttr(b, nest)
}

// beginAttr appends an attribute header of type typ, whose length
// endAttr sets (at) when its value, or nested attributes, follow.
func beginAttr(b []byte, typ uint16) (_ []byte, at int) {
	at = len(b)
	b = binary.NativeEndian.AppendUint16(b, 0)
	return binary.NativeEndian.AppendUint16(b, typ), at
}

// endAttr sets the length of the attribute at at and pads it to the
// netlink alignment.
func endAttr(b []byte, at int) []byte {
	binary.NativeEndian.PutUint16(b[at:], uint16(len(b)-at))
	for len(b)%unix.NLA_ALIGNTO != 0 {
		b = append(b, 0)
	}
	return b
}

func appendU16(b []byte, typ, v uint16) []byte {
	b, at := beginAttr(b, typ)
	return endAttr(binary.NativeEndian.AppendUint16(b, v), at)
}

func appendU32(b []byte, typ uint16, v uint32) []byte {
	b, at := beginAttr(b, typ)
	return endAttr(binary.NativeEndian.AppendUint32(b, v), at)
}

// appendPort appends a port, in network byte order as the kernel keeps
// it.
func appendPort(b []byte, typ, port uint16) []byte {
	b, at := beginAttr(b, typ)
	return endAttr(binary.BigEndian.AppendUint16(b, port), at)
}

// appendAddr appends an address: 4 bytes for IPv4, 16 for IPv6.
func appendAddr(b []byte, typ uint16, a netip.Addr) []byte {
	b, at := beginAttr(b, typ)
	if a.Is4() {
		v := a.As4()
		b = append(b, v[:]...)
	} else {
		v := a.As16()
		b = append(b, v[:]...)
	}
	return endAttr(b, at)
}

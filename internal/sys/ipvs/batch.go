package ipvs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	"github.com/cloudflare/ipvs"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
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
	buf    []byte
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
	for start := 0; start < len(changes); start += batchSize {
		chunk := changes[start:min(start+batchSize, len(changes))]
		msgs := make([][]byte, len(chunk))
		for i, ch := range chunk {
			m, err := encodeChange(ch)
			if err != nil {
				return &lvs.ApplyError{Done: start + i, Change: ch, Err: err}
			}
			msgs[i] = m
		}
		i, err := d.batch.exec(msgs)
		if err != nil {
			if i < 0 { // the socket failed: which changes were made is unknown
				return &lvs.ApplyError{Done: start, Change: chunk[0], Err: err}
			}
			return &lvs.ApplyError{Done: start + i, Change: chunk[i], Err: kernelError(chunk[i].Op, err)}
		}
	}
	return nil
}

// exec sends the generic netlink payloads (header and attributes) in one
// write and waits for every ack. It returns the index of the first
// refused command and its errno, or -1 with a socket error.
func (b *batchConn) exec(payloads [][]byte) (int, error) {
	first := b.seq + 1
	var out []byte
	for _, p := range payloads {
		b.seq++
		h := make([]byte, unix.NLMSG_HDRLEN)
		binary.NativeEndian.PutUint32(h[0:], uint32(unix.NLMSG_HDRLEN+len(p)))
		binary.NativeEndian.PutUint16(h[4:], b.family)
		binary.NativeEndian.PutUint16(h[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK)
		binary.NativeEndian.PutUint32(h[8:], b.seq)
		out = append(append(out, h...), p...)
		for len(out)%unix.NLMSG_ALIGNTO != 0 {
			out = append(out, 0)
		}
	}
	if err := unix.Sendto(b.fd, out, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return -1, fmt.Errorf("netlink send: %w", err)
	}
	failed, failErr := -1, error(nil)
	for acked := 0; acked < len(payloads); {
		n, _, err := unix.Recvfrom(b.fd, b.buf, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return -1, fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(b.buf[:n])
		if err != nil {
			return -1, fmt.Errorf("netlink receive: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Type != unix.NLMSG_ERROR || m.Header.Seq < first || m.Header.Seq >= first+uint32(len(payloads)) {
				continue // not an ack of this batch
			}
			acked++
			if len(m.Data) < 4 {
				return -1, errors.New("netlink receive: short ack")
			}
			if errno := -int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
				if i := int(m.Header.Seq - first); failed < 0 || i < failed {
					failed, failErr = i, syscall.Errno(errno)
				}
			}
		}
	}
	return failed, failErr
}

// encodeChange is the generic netlink payload of one change.
func encodeChange(ch lvs.Change) ([]byte, error) {
	var cmd uint8
	ae := netlink.NewAttributeEncoder()
	switch ch.Op {
	case lvs.AddService, lvs.UpdateService:
		svc, err := toService(ch.Service)
		if err != nil {
			return nil, err
		}
		cmd = cmdNewService
		if ch.Op == lvs.UpdateService {
			cmd = cmdSetService
		}
		ae.Do(attrService, func() ([]byte, error) { return encodeService(svc, true) })
	case lvs.DelService:
		svc, err := serviceID(ch.Service.Key)
		if err != nil {
			return nil, err
		}
		cmd = cmdDelService
		ae.Do(attrService, func() ([]byte, error) { return encodeService(svc, false) })
	case lvs.AddDest, lvs.UpdateDest, lvs.DelDest:
		svc, err := serviceID(ch.Service.Key)
		if err != nil {
			return nil, err
		}
		var dst ipvs.Destination
		if ch.Op == lvs.DelDest {
			dst, err = destID(ch.Dest.Key)
		} else {
			dst, err = toDest(ch.Dest)
		}
		if err != nil {
			return nil, err
		}
		cmd = map[lvs.Op]uint8{lvs.AddDest: cmdNewDest, lvs.UpdateDest: cmdSetDest, lvs.DelDest: cmdDelDest}[ch.Op]
		ae.Do(attrService, func() ([]byte, error) { return encodeService(svc, false) })
		ae.Do(attrDest, func() ([]byte, error) { return encodeDest(dst, ch.Op != lvs.DelDest) })
	default:
		return nil, fmt.Errorf("unknown operation %d", uint8(ch.Op))
	}
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return (&genetlink.Message{Header: genetlink.Header{Command: cmd, Version: genlVersion}, Data: attrs}).MarshalBinary()
}

// encodeService encodes a service's attributes: its identity, and with
// full its scheduler, flags, timeout and netmask (which the kernel needs
// to create or update one).
func encodeService(s ipvs.Service, full bool) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Uint16(svcAF, uint16(s.Family))
	if s.FWMark != 0 {
		ae.Uint32(svcFWMark, s.FWMark)
	} else {
		ae.Uint16(svcProtocol, uint16(s.Protocol))
		ae.Bytes(svcAddr, s.Address.AsSlice())
		ae.Bytes(svcPort, binary.BigEndian.AppendUint16(nil, s.Port))
	}
	if full {
		ae.String(svcSched, s.Scheduler)
		flags := binary.NativeEndian.AppendUint32(nil, uint32(s.Flags))
		ae.Bytes(svcFlags, binary.NativeEndian.AppendUint32(flags, 0xffffffff))
		ae.Uint32(svcTimeout, s.Timeout)
		switch {
		case s.Netmask.Is4():
			ae.Bytes(svcNetmask, s.Netmask.AsSlice())
		case s.Netmask.Is6():
			if ones := s.Netmask.Bits(); ones >= 0 {
				ae.Uint32(svcNetmask, uint32(ones))
			}
		}
	}
	return ae.Encode()
}

// encodeDest encodes a destination's attributes: its identity, and with
// full its forwarding method, weight, thresholds and tunnel.
func encodeDest(d ipvs.Destination, full bool) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Uint16(destFamily, uint16(d.Family))
	ae.Bytes(destAddr, d.Address.AsSlice())
	ae.Bytes(destPort, binary.BigEndian.AppendUint16(nil, d.Port))
	if full {
		ae.Uint32(destFwd, uint32(d.FwdMethod))
		ae.Uint32(destWeight, d.Weight)
		ae.Uint32(destUThresh, d.UpperThreshold)
		ae.Uint32(destLThresh, d.LowerThreshold)
		ae.Uint8(destTunType, uint8(d.TunnelType))
		ae.Bytes(destTunPort, binary.BigEndian.AppendUint16(nil, d.TunnelPort))
		ae.Uint16(destTunFlags, uint16(d.TunnelFlags))
	}
	return ae.Encode()
}

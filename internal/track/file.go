package track

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// maxFileRead is how much of a track_file keepalived reads.
const maxFileRead = 127

// ParseFileValue reads a track_file's content as keepalived does: C's
// strtol(buf, NULL, 0) over the first 127 bytes (leading blanks, a sign,
// 0x for hex, a leading 0 for octal; no digits reads 0). ok is false when
// the number is outside -2147483648..2147483648, which keepalived logs
// ("Invalid number N read from PATH - ignoring") and ignores.
func ParseFileValue(b []byte) (v int64, ok bool) {
	if len(b) > maxFileRead {
		b = b[:maxFileRead]
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	base := uint64(10)
	switch {
	case i+2 < len(b) && b[i] == '0' && (b[i+1] == 'x' || b[i+1] == 'X') && digit(b[i+2], 16) >= 0:
		base, i = 16, i+2
	case i < len(b) && b[i] == '0':
		base = 8
	}
	var u uint64
	overflow := false
	for ; i < len(b); i++ {
		d := digit(b[i], base)
		if d < 0 {
			break
		}
		if u > (math.MaxUint64-uint64(d))/base {
			overflow = true
		}
		u = u*base + uint64(d)
	}
	if overflow || u > 1<<63 || (!neg && u > math.MaxInt64) {
		return 0, false // strtol sets ERANGE
	}
	v = int64(u)
	if neg {
		v = -v
	}
	if v < math.MinInt32 || v > math.MaxInt32+1 {
		return v, false
	}
	return v, true
}

func digit(c byte, base uint64) int {
	var d int
	switch {
	case c >= '0' && c <= '9':
		d = int(c - '0')
	case c >= 'a' && c <= 'z':
		d = int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		d = int(c-'A') + 10
	default:
		return -1
	}
	if uint64(d) >= base {
		return -1
	}
	return d
}

// ReadFunc reads a whole file; the daemon passes os.ReadFile.
type ReadFunc func(name string) ([]byte, error)

// FileEvent reports a track_file's new value.
type FileEvent struct {
	Name  string
	Value int64
}

// File follows one track_file. keepalived watches the file with inotify;
// here the daemon either calls Update when it learns the file changed
// (an inotify adapter) or lets Run poll it.
type File struct {
	cfg  *config.TrackFile
	read ReadFunc
	log  *slog.Logger

	mu    sync.Mutex
	value int64
}

// NewFile prepares cfg and reads the file once (a missing file reads 0,
// as in keepalived). A nil log discards.
func NewFile(cfg *config.TrackFile, read ReadFunc, log *slog.Logger) *File {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &File{cfg: cfg, read: read, log: log.With("track_file", cfg.Name)}
	if v, ok := f.readValue(); ok {
		f.value = v
	}
	return f
}

// Name is the track_file's name.
func (f *File) Name() string { return f.cfg.Name }

// Value is the last value read.
func (f *File) Value() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.value
}

// readValue reads the file; ok is false for a value to ignore.
func (f *File) readValue() (int64, bool) {
	b, err := f.read(f.cfg.File)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			f.log.Debug("read track file", "file", f.cfg.File, "err", err)
		}
		return 0, true
	}
	v, ok := ParseFileValue(b)
	if !ok {
		f.log.Info(fmt.Sprintf("Invalid number %d read from %s - ignoring", v, f.cfg.File))
	}
	return v, ok
}

// Update reads the file and returns an event when its value changed.
func (f *File) Update() (FileEvent, bool) {
	v, ok := f.readValue()
	f.mu.Lock()
	defer f.mu.Unlock()
	if !ok || v == f.value {
		return FileEvent{}, false
	}
	f.value = v
	return FileEvent{Name: f.cfg.Name, Value: v}, true
}

// Run polls the file every poll (keepalived reacts to inotify at once;
// choose a short poll, e.g. 1 s) and sends each change on out until ctx
// is done.
func (f *File) Run(ctx context.Context, poll time.Duration, out chan<- FileEvent) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if ev, ok := f.Update(); ok {
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

// InitFile is what init_file asks for: the content to write ("%d\n") and
// whether to write it over an existing file. ok is false without
// init_file.
func InitFile(cfg *config.TrackFile) (data []byte, overwrite, ok bool) {
	if cfg.InitFile == nil {
		return nil, false, false
	}
	return []byte(strconv.Itoa(cfg.InitFile.Value) + "\n"), cfg.InitFile.Overwrite, true
}

// Package demo is `keepalivedctl demo`: it builds a lab of network
// namespaces on this machine (a client, two directors, two web servers),
// runs keepalived-go on the directors and narrates a failover story while
// the client keeps sending requests to the virtual IP.
package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/keepalived-go/keepalived/internal/sys/lab"
)

// Options configure a demo run.
type Options struct {
	// Out receives the narration (or JSON events with JSON).
	Out  io.Writer
	JSON bool
	// Keep leaves the lab running at the end (until Ctrl-C).
	Keep bool
	// NoPreempt makes the directors nopreempt: the returning director
	// stays BACKUP.
	NoPreempt bool
	// Keepalived runs our daemon: the program and the leading
	// arguments (argv[0] "keepalived").
	Keepalived []string
	// Prefix names the lab's namespaces (default "kgo-demo").
	Prefix string
	// Dataplane is the directors' lvs_dataplane: "nftables" (default),
	// "ipvs" (kernel IPVS) or "auto".
	Dataplane string
}

// The lab's addresses (TEST-NET only).
var (
	vip       = netip.MustParseAddr("192.0.2.100")
	clientIP  = "192.0.2.10/24"
	directors = []director{
		{name: "director1", front: "192.0.2.1", back: "198.51.100.1", prio: 150},
		{name: "director2", front: "192.0.2.2", back: "198.51.100.2", prio: 100},
	}
)

type director struct {
	name        string
	front, back string
	prio        int
}

// demo is one run.
type demo struct {
	o     Options
	lab   *lab.Lab
	dir   string
	start time.Time
	procs map[string]*lab.Proc
	webs  map[string]*http.Server
	mu    sync.Mutex
	outMu sync.Mutex // one narration line at a time
}

// ErrInterrupted is returned when SIGINT or SIGTERM stopped the demo
// (after it removed the lab).
var ErrInterrupted = errors.New("interrupted: the lab is removed")

// Run runs the whole story; it cleans up on return (unless Keep) and on
// ctx cancellation or SIGINT/SIGTERM (Ctrl-C). A lab left by a demo that
// was killed (kill -9) is removed first.
func Run(ctx context.Context, o Options) error {
	if o.Prefix == "" {
		o.Prefix = "kgo-demo"
	}
	switch o.Dataplane {
	case "":
		o.Dataplane = "nftables"
	case "nftables", "ipvs", "auto":
	default:
		return fmt.Errorf("unknown dataplane %q: want nftables, ipvs or auto", o.Dataplane)
	}
	if err := lab.Available(); err != nil {
		return fmt.Errorf("%w\nkeepalivedctl demo builds network namespaces: run it as root on Linux", err)
	}
	if o.Dataplane == "ipvs" {
		if done, err := ipvsInVM(o); done {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(ctx, lab.StopSignals...)
	defer stop()
	err := run(ctx, o)
	if err != nil && ctx.Err() != nil && !o.Keep {
		return ErrInterrupted
	}
	return err
}

// run is Run once the host is known to be able to.
func run(ctx context.Context, o Options) error {
	// One directory per prefix, like the namespaces: what a killed run
	// left (or a failed run kept for its logs) goes now.
	dir := filepath.Join(os.TempDir(), o.Prefix)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove the last run's files: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	d := &demo{o: o, dir: dir, start: time.Now(), procs: map[string]*lab.Proc{}, webs: map[string]*http.Server{}}
	defer d.cleanup()
	if err := d.build(); err != nil {
		return err
	}
	if err := d.writeNotifyScript(); err != nil {
		return err
	}
	wctx, wstop := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); d.watchNotify(wctx) }()
	defer func() { wstop(); <-watched }()
	if err := d.story(ctx); err != nil {
		if ctx.Err() != nil {
			os.RemoveAll(dir)
			return err
		}
		// Keep the daemons' logs for the post-mortem.
		return fmt.Errorf("%w (daemon logs and configurations kept in %s)", err, dir)
	}
	defer os.RemoveAll(dir)
	if o.Keep {
		d.say("lab left running: namespaces %s-*, configs in %s; Ctrl-C to remove it", o.Prefix, dir)
		<-ctx.Done()
	}
	return nil
}

// say narrates one line, with the time since the start.
func (d *demo) say(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	d.outMu.Lock()
	defer d.outMu.Unlock()
	if d.o.JSON {
		b, _ := json.Marshal(map[string]any{"t": time.Since(d.start).Seconds(), "event": msg})
		fmt.Fprintln(d.o.Out, string(b))
		return
	}
	fmt.Fprintf(d.o.Out, "[%6.1fs] %s\n", time.Since(d.start).Seconds(), msg)
}

// webServers are the real servers: name and address on the back LAN.
var webServers = []struct{ name, addr string }{
	{"web1", "198.51.100.11"},
	{"web2", "198.51.100.12"},
}

// gateway is the back LAN's virtual gateway (the second VRRP instance).
const gateway = "198.51.100.254"

// build creates the namespaces, links and web servers.
func (d *demo) build() error {
	d.say("building the lab: client and directors on 192.0.2.0/24 (front), directors and web servers web1, web2 on 198.51.100.0/24 (back)")
	l, err := lab.New(d.o.Prefix)
	if err != nil {
		return err
	}
	d.lab = l
	if err := l.Bridge("br1"); err != nil {
		return err
	}
	if err := l.Node("client", clientIP); err != nil {
		return err
	}
	for _, dr := range directors {
		if err := l.Node(dr.name, dr.front+"/24"); err != nil {
			return err
		}
		if err := l.Attach(dr.name, "eth1", "br1", dr.back+"/24"); err != nil {
			return err
		}
		if err := l.Sysctl(dr.name, "net.ipv4.ip_forward", "1"); err != nil {
			return err
		}
	}
	for _, w := range webServers {
		if err := l.AddNode(w.name); err != nil {
			return err
		}
		if err := l.Attach(w.name, "eth0", "br1", w.addr+"/24"); err != nil {
			return err
		}
		// Replies to the clients go back through the active director.
		if err := l.Route(w.name, "192.0.2.0/24", gateway); err != nil {
			return err
		}
		if err := d.web(w.name, w.addr+":80"); err != nil {
			return err
		}
	}
	return nil
}

// web serves a page naming node on addr inside node's namespace.
func (d *demo) web(node, addr string) error {
	var ln net.Listener
	if err := d.lab.Do(node, func() (err error) {
		ln, err = net.Listen("tcp", addr)
		return err
	}); err != nil {
		return fmt.Errorf("web server on %s: %w", node, err)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, node) }),
		ReadHeaderTimeout: 2 * time.Second,
	}
	go srv.Serve(ln)
	d.mu.Lock()
	d.webs[node] = srv
	d.mu.Unlock()
	return nil
}

// conf is a director's keepalived.conf, in the seeds' style: a sync
// group keeps the front VIP and the back LAN's gateway together (LVS-NAT),
// and a virtual server balances HTTP over the web servers with checks.
func (d *demo) conf(dr director) string {
	pre := ""
	if d.o.NoPreempt {
		pre = "    nopreempt\n"
	}
	instance := func(name string, vrid int, dev, addr string) string {
		return fmt.Sprintf(`vrrp_instance %[1]s {
    state BACKUP
    interface %[3]s
    virtual_router_id %[2]d
    priority %[4]d
    advert_int 1
%[5]s    authentication {
        auth_type PASS
        auth_pass demo1234
    }
    virtual_ipaddress {
        %[6]s/24
    }
}
`, name, vrid, dev, dr.prio, pre, addr)
	}
	var rs strings.Builder
	for i, w := range webServers {
		check := `        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }`
		if i == 1 {
			check = `        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }`
		}
		fmt.Fprintf(&rs, "    real_server %s 80 {\n        weight 1\n%s\n    }\n", w.addr, check)
	}
	return fmt.Sprintf(`global_defs {
    router_id %[1]s
    enable_script_security
    script_user root
    lvs_dataplane %[7]s
}

vrrp_sync_group VG_1 {
    group {
        VI_FRONT
        VI_BACK
    }
    notify "%[6]s %[1]s"
}

%[2]s
%[3]s
virtual_server %[4]s 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    protocol TCP
%[5]s}
`, dr.name, instance("VI_FRONT", 51, "eth0", vip.String()), instance("VI_BACK", 52, "eth1", gateway), vip, rs.String(), d.notifyScript(), d.o.Dataplane)
}

// startDirector writes the director's configuration and starts keepalived.
func (d *demo) startDirector(dr director) error {
	dir := filepath.Join(d.dir, dr.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	conf := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(conf, []byte(d.conf(dr)), 0o644); err != nil {
		return err
	}
	args := append(append([]string{}, d.o.Keepalived[1:]...), "-n", "-l", "-G", "-D", "-f", conf,
		"-p", filepath.Join(dir, "keepalived.pid"), "-r", filepath.Join(dir, "vrrp.pid"), "-c", filepath.Join(dir, "checkers.pid"))
	p, err := d.lab.Run(dr.name, d.o.Keepalived[0], append([]string{"keepalived"}, args...), filepath.Join(dir, "keepalived.log"))
	if err != nil {
		return fmt.Errorf("start keepalived on %s: %w", dr.name, err)
	}
	d.mu.Lock()
	d.procs[dr.name] = p
	d.mu.Unlock()
	return nil
}

func (d *demo) socket(name string) string {
	return control.SocketPath(filepath.Join(d.dir, name, "keepalived.pid"))
}

// holder is the director holding the VIP ("" if none, "a+b" if both).
func (d *demo) holder() string {
	var h []string
	for _, dr := range directors {
		if d.lab.HasAddr(dr.name, vip) {
			h = append(h, dr.name)
		}
	}
	return strings.Join(h, "+")
}

// waitHolder waits until name alone holds the VIP.
func (d *demo) waitHolder(ctx context.Context, name string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if d.holder() == name {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not take the VIP within %v (holder: %q); logs in %s", name, limit, d.holder(), d.dir)
}

// request sends one HTTP request from the client to the VIP and returns
// the name of the server that answered. The connection is opened on a
// thread inside the client's namespace (net/http would dial from another
// goroutine, outside it), then used from here.
func (d *demo) request(timeout time.Duration) (string, error) {
	var conn net.Conn
	err := d.lab.Do("client", func() (err error) {
		conn, err = net.DialTimeout("tcp", netip.AddrPortFrom(vip, 80).String(), timeout)
		return err
	})
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := fmt.Fprintf(conn, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", vip); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b)), err
}

// requests sends n requests and lists who answered.
func (d *demo) requests(n int) string {
	var got []string
	for range n {
		name, err := d.request(time.Second)
		if err != nil {
			name = "(no answer)"
		}
		got = append(got, name)
	}
	return strings.Join(got, " ")
}

// table prints the directors' status from their control sockets.
func (d *demo) table(ctx context.Context) {
	if d.o.JSON {
		return
	}
	tw := tabwriter.NewWriter(d.o.Out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "           DIRECTOR\tSTATE\tPRIORITY\tMASTER\tVIP")
	var rsLines []string
	for _, dr := range directors {
		state, prio, master := "down", "-", "-"
		// Generous: in the emulated VM an answer can take seconds.
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err := control.Client{Path: d.socket(dr.name)}.Status(cctx)
		cancel()
		if err == nil && len(st.Instances) > 0 {
			in := st.Instances[0]
			state, prio = in.State, fmt.Sprint(in.Priority)
			if in.Master.IsValid() {
				master = in.Master.String()
			}
		}
		has := ""
		if d.lab.HasAddr(dr.name, vip) {
			has = vip.String()
		}
		fmt.Fprintf(tw, "           %s\t%s\t%s\t%s\t%s\n", dr.name, state, prio, master, has)
		if state == "MASTER" {
			for _, vs := range st.VirtualServers {
				for _, rs := range vs.RealServers {
					up := "DOWN"
					if rs.Up {
						up = "UP"
					}
					rsLines = append(rsLines, fmt.Sprintf("           %s\t%s\t%s\t%d\t%s", vs.Name, rs.Name, up, rs.Weight, rs.Reason))
				}
			}
		}
	}
	tw.Flush()
	if len(rsLines) > 0 {
		tw = tabwriter.NewWriter(d.o.Out, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "           VIRTUAL SERVER\tREAL SERVER\tSTATE\tWEIGHT\tLAST FAILURE")
		for _, l := range rsLines {
			fmt.Fprintln(tw, l)
		}
		tw.Flush()
	}
}

// crash kills a director as a dead machine: SIGKILL, link down.
func (d *demo) crash(name string) error {
	d.mu.Lock()
	p := d.procs[name]
	delete(d.procs, name)
	d.mu.Unlock()
	p.Kill()
	return d.lab.SetLink(name, false)
}

// outage polls the VIP every 50 ms from the client until a request
// succeeds and reports how long requests failed.
func (d *demo) outage(ctx context.Context, limit time.Duration) (time.Duration, string, error) {
	start := time.Now()
	var firstFail time.Time
	for time.Since(start) < limit {
		name, err := d.request(200 * time.Millisecond)
		if err != nil && firstFail.IsZero() {
			firstFail = time.Now()
		}
		if err == nil && !firstFail.IsZero() {
			return time.Since(firstFail), name, nil
		}
		select {
		case <-ctx.Done():
			return 0, "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return 0, "", errors.New("the VIP did not answer again in time")
}

// story runs the scenario.
func (d *demo) story(ctx context.Context) error {
	d.say("step 1: keepalived-go starts on both directors (director1 priority 150, director2 priority 100)")
	d.say("  each: a VRRP sync group (VIP and back gateway, PASS auth), a wrr virtual server with HTTP_GET on web1 and TCP_CHECK on web2, a notify script; configs in %s", d.dir)
	for _, dr := range directors {
		if err := d.startDirector(dr); err != nil {
			return err
		}
	}
	if err := d.waitHolder(ctx, "director1", d.limit(15*time.Second)); err != nil {
		return err
	}
	d.say("director1 is MASTER and holds %s (and the gateway %s); director2 is BACKUP", vip, gateway)
	if err := d.waitAnswers(ctx, "web1 web2 web1 web2", d.limit(15*time.Second)); err != nil {
		return err
	}
	d.table(ctx)
	d.say("client -> http://%s/ : %s (LVS-NAT on the %s dataplane, weighted round robin, equal weights)", vip, d.requests(4), d.dataplane(ctx))

	d.say("step 2: web1's web server stops")
	d.stopWeb("web1")
	start := time.Now()
	if err := d.waitAnswers(ctx, "web2 web2 web2 web2", d.limit(15*time.Second)); err != nil {
		return err
	}
	d.say("the HTTP_GET check removed web1 after %v: client -> %s", time.Since(start).Round(100*time.Millisecond), d.requests(4))
	d.table(ctx)
	d.say("web1's web server starts again")
	if err := d.web("web1", webServers[0].addr+":80"); err != nil {
		return err
	}
	start = time.Now()
	if err := d.waitAnswers(ctx, "web1 web2 web1 web2", d.limit(15*time.Second)); err != nil {
		return err
	}
	d.say("web1 is back in the pool after %v: client -> %s", time.Since(start).Round(100*time.Millisecond), d.requests(4))

	d.say("step 3: director1 crashes (kill -9, link down)")
	if err := d.crash("director1"); err != nil {
		return err
	}
	out, who, err := d.outage(ctx, d.limit(15*time.Second))
	if err != nil {
		return err
	}
	// The dead director1 still has the address configured, but its link
	// is down: only director2 answers.
	if !d.lab.HasAddr("director2", vip) {
		return fmt.Errorf("director2 answers but does not hold %s; logs in %s", vip, d.dir)
	}
	d.say("director2 took over: the client's requests failed for %v, then %s answered", out.Round(10*time.Millisecond), who)
	d.table(ctx)
	d.say("client -> http://%s/ : %s", vip, d.requests(4))

	d.say("step 4: director1 comes back")
	if err := d.lab.SetLink("director1", true); err != nil {
		return err
	}
	if err := d.startDirector(directors[0]); err != nil {
		return err
	}
	if d.o.NoPreempt {
		time.Sleep(d.limit(6 * time.Second))
		if h := d.holder(); h != "director2" {
			return fmt.Errorf("with nopreempt director2 should keep the VIP, but %q holds it", h)
		}
		d.say("nopreempt: director1 stays BACKUP, director2 keeps the VIP")
	} else {
		if err := d.waitHolder(ctx, "director1", d.limit(15*time.Second)); err != nil {
			return err
		}
		d.say("director1 preempted (priority 150 > 100) and holds %s again", vip)
	}
	d.table(ctx)
	d.say("client -> http://%s/ : %s", vip, d.requests(4))
	d.say("done")
	return nil
}

// dataplane is the dataplane director1 reports using.
func (d *demo) dataplane(ctx context.Context) string {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	st, err := control.Client{Path: d.socket("director1")}.Status(cctx)
	if err != nil || st.Dataplane == "" {
		return d.o.Dataplane
	}
	return st.Dataplane
}

// stopWeb stops a web server (connections refused from now on).
func (d *demo) stopWeb(name string) {
	d.mu.Lock()
	srv := d.webs[name]
	delete(d.webs, name)
	d.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// waitAnswers waits until four requests get the answers in want (the
// names, in any order).
func (d *demo) waitAnswers(ctx context.Context, want string, limit time.Duration) error {
	sortWords := func(s string) string {
		w := strings.Fields(s)
		slices.Sort(w)
		return strings.Join(w, " ")
	}
	deadline := time.Now().Add(limit)
	var got string
	for time.Now().Before(deadline) {
		got = d.requests(len(strings.Fields(want)))
		if sortWords(got) == sortWords(want) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("the client's requests got %q, want %q", got, want)
}

// cleanup stops everything the demo started.
func (d *demo) cleanup() {
	d.mu.Lock()
	for _, p := range d.procs {
		p.Terminate()
	}
	for _, s := range d.webs {
		s.Close()
	}
	d.mu.Unlock()
	time.Sleep(200 * time.Millisecond)
	if d.lab != nil {
		d.lab.Close()
	} else {
		lab.Cleanup(d.o.Prefix)
	}
}

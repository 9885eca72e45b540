package notify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// FIFOs are the notify FIFOs the daemon opened (nil = not configured):
// notify_fifo gets every line, vrrp_notify_fifo the VRRP lines,
// lvs_notify_fifo the checker lines.
type FIFOs struct {
	All, VRRP, LVS io.Writer
}

// Options configure a Notifier.
type Options struct {
	// Run runs scripts (internal/sys/exec in the daemon).
	Run Runner
	// FIFOs receive the state lines.
	FIFOs FIFOs
	// Mail sends e-mail alerts; nil when smtp_server or
	// notification_email is missing.
	Mail *SMTP
	// RouterID prefixes mail subjects ("[router_id] ...").
	RouterID string
	// NoEmailFaults is global_defs no_email_faults.
	NoEmailFaults bool
	Log           *slog.Logger
}

// MailFromConfig builds the SMTP settings of global_defs; nil when no
// alert can be sent (no smtp_server or no notification_email).
// defaultFrom is keepalived's default sender (user@host name) used when
// notification_email_from is not set.
func MailFromConfig(g *config.Global, defaultFrom string, dial Dialer) *SMTP {
	if g.SMTPServer == nil || len(g.NotificationEmail) == 0 {
		return nil
	}
	from := g.NotificationEmailFrom
	if from == "" {
		from = defaultFrom
	}
	return &SMTP{
		Server:  net.JoinHostPort(g.SMTPServer.Host, strconv.Itoa(int(g.SMTPServer.Port))),
		Helo:    g.SMTPHeloName,
		From:    from,
		To:      g.NotificationEmail,
		Timeout: time.Duration(g.SMTPConnectTimeout),
		Dial:    dial,
	}
}

// Notifier runs notify scripts, writes FIFO lines and sends mails for
// VRRP instances, sync groups, virtual and real servers. Its methods
// never block: work is queued, per instance or group for scripts (run in
// order, each to its end), once for all FIFO lines, once for all mails.
type Notifier struct {
	o      Options
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	closed     bool
	queues     map[string]*queue
	groupState map[string]State // last state notified per sync group
	notified   map[string]bool  // instances that sent notifies
	lastMail   map[string]State // last state mailed per instance or group
}

// New returns a Notifier. Close it to wait for the queued work.
func New(o Options) *Notifier {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Notifier{
		o: o, log: log, ctx: ctx, cancel: cancel,
		queues:     map[string]*queue{},
		groupState: map[string]State{},
		notified:   map[string]bool{},
		lastMail:   map[string]State{},
	}
}

// Close stops accepting work and waits until everything queued is done
// (STOP scripts included). When ctx ends first, running scripts are
// killed and Close returns once they are reaped.
func (n *Notifier) Close(ctx context.Context) {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		n.cancel()
		<-done
	}
	n.cancel()
}

// push queues job on the queue called key; false once closed.
func (n *Notifier) push(key string, job func()) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return false
	}
	q := n.queues[key]
	if q == nil {
		q = &queue{wg: &n.wg}
		n.queues[key] = q
	}
	q.push(job)
	return true
}

// run runs the commands in order on the queue key.
func (n *Notifier) run(key string, cmds []Command) {
	if len(cmds) == 0 || n.o.Run == nil {
		return
	}
	n.push(key, func() {
		for _, c := range cmds {
			r := n.o.Run(n.ctx, c)
			n.logResult(c, r)
		}
	})
}

func (n *Notifier) logResult(c Command, r Result) {
	switch {
	case r.Err != nil:
		n.log.Error(fmt.Sprintf("Error exec-ing command '%s', error: %v", c.Args[0], r.Err), "args", c.Args)
	case r.TimedOut:
		n.log.Info(fmt.Sprintf("Notify script %s timed out", c.Args[0]), "args", c.Args)
	default:
		n.log.Debug("notify script done", "args", c.Args, "status", r.Status, "signal", r.Signal)
	}
}

// write queues a FIFO line for the writers.
func (n *Notifier) write(line []byte, ws ...io.Writer) {
	var live []io.Writer
	for _, w := range ws {
		if w != nil {
			live = append(live, w)
		}
	}
	if len(live) == 0 {
		return
	}
	n.push("fifo", func() {
		for _, w := range live {
			if _, err := w.Write(line); err != nil {
				n.log.Info(fmt.Sprintf("notify fifo write error: %v", err))
			}
		}
	})
}

// mail queues an alert. subject is the full subject.
func (n *Notifier) mail(m Mail) {
	if n.o.Mail == nil {
		return
	}
	n.push("mail", func() {
		if err := n.o.Mail.Send(n.ctx, m); err != nil {
			n.log.Info(err.Error())
			return
		}
		n.log.Debug("SMTP alert successfully sent.")
	})
}

func (n *Notifier) subject(format string, args ...any) string {
	return fmt.Sprintf("[%s] ", n.o.RouterID) + fmt.Sprintf(format, args...)
}

// Instance reports that VRRP instance v entered state (Master, Backup,
// Fault, Stop or Deleted) with effective priority prio: its scripts, its
// FIFO line, its mail (send_instance_notifies). A member of a sync group
// entering the state its group is already in does not notify again.
func (n *Notifier) Instance(v *config.VRRPInstance, state State, prio int) {
	n.mu.Lock()
	if v.SyncGroup != "" && n.notified[v.Name] {
		if gs, ok := n.groupState[v.SyncGroup]; ok && gs == state {
			n.mu.Unlock()
			return
		}
	}
	n.notified[v.Name] = true
	n.mu.Unlock()

	cmds, state := InstanceCommands(v, state, prio)
	n.run("INSTANCE "+v.Name, cmds)
	n.write(InstanceLine(v.Name, state, prio), n.o.FIFOs.All, n.o.FIFOs.VRRP)
	if v.SMTPAlert {
		if m, ok := n.stateMail("i:"+v.Name, state, instanceMail); ok {
			m.Subject = n.subject("VRRP Instance %s - %s", v.Name, m.Subject)
			n.mail(m)
		}
	}
}

// Group reports that sync group g entered state (send_group_notifies).
// Call it after the members' Instance calls, as keepalived does.
func (n *Notifier) Group(g *config.VRRPSyncGroup, state State) {
	n.mu.Lock()
	n.groupState[g.Name] = state
	n.mu.Unlock()
	n.run("GROUP "+g.Name, GroupCommands(g, state))
	n.write(GroupLine(g.Name, state), n.o.FIFOs.All, n.o.FIFOs.VRRP)
	if g.SMTPAlert {
		if m, ok := n.stateMail("g:"+g.Name, state, groupMail); ok {
			m.Subject = n.subject("VRRP Group %s - %s", g.Name, m.Subject)
			n.mail(m)
		}
	}
}

// MasterRxLowerPri reports that master v received a lower priority
// advert (send_event_notify): notify_master_rx_lower_pri and the FIFO.
func (n *Notifier) MasterRxLowerPri(v *config.VRRPInstance, prio int) {
	if runnable(v.NotifyMasterRxLowerPri) {
		n.run("INSTANCE "+v.Name, []Command{command(v.NotifyMasterRxLowerPri)})
	}
	n.write(InstanceLine(v.Name, MasterRxLowerPri, prio), n.o.FIFOs.All, n.o.FIFOs.VRRP)
}

// PriorityChange reports a new effective priority of v while master (or
// not) when notify_priority_changes is set: a FIFO line only
// (send_instance_priority_notifies).
func (n *Notifier) PriorityChange(v *config.VRRPInstance, master bool, prio int) {
	if !v.NotifyPriorityChanges {
		return
	}
	s := BackupPriority
	if master {
		s = MasterPriority
	}
	n.write(InstanceLine(v.Name, s, prio), n.o.FIFOs.All, n.o.FIFOs.VRRP)
}

var instanceMail = map[State]Mail{
	Master:  {"Entering MASTER state", "=> VRRP Instance is now owning VRRP VIPs <="},
	Backup:  {"Entering BACKUP state", "=> VRRP Instance is no longer owning VRRP VIPs <="},
	Fault:   {"Entering FAULT state", "=> VRRP Instance is no longer owning VRRP VIPs <="},
	Stop:    {"Stopping", "=> VRRP Instance stopping <="},
	Deleted: {"Deleted", "=> VRRP Deleted at reload <="},
}

var groupMail = map[State]Mail{
	Master: {"Entering MASTER state", "=> All VRRP group instances are now in MASTER state <="},
	Backup: {"Entering BACKUP state", "=> All VRRP group instances are now in BACKUP state <="},
	Fault:  {"Entering FAULT state", "=> All VRRP group instances are now in FAULT state <="},
	Stop:   {"Stopping", "=> All VRRP group instances are now stopping <="},
}

// stateMail picks the mail for state unless faults are not mailed or the
// same state was mailed last (keepalived's last_email_state).
func (n *Notifier) stateMail(key string, state State, texts map[State]Mail) (Mail, bool) {
	if n.o.NoEmailFaults && state == Fault {
		return Mail{}, false
	}
	m, ok := texts[state]
	if !ok {
		return Mail{}, false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if last, seen := n.lastMail[key]; seen && last == state {
		return Mail{}, false
	}
	n.lastMail[key] = state
	return m, true
}

// Shutdown reports STOP for every instance, then every group
// (notify_shutdown). Follow it with Close.
func (n *Notifier) Shutdown(insts []*config.VRRPInstance, prio func(*config.VRRPInstance) int, groups []*config.VRRPSyncGroup) {
	for _, v := range insts {
		n.Instance(v, Stop, prio(v))
	}
	for _, g := range groups {
		n.Group(g, Stop)
	}
}

// StateOf is the state of one instance or sync group, for WriteStates.
type StateOf struct {
	Name     string
	State    State
	Priority int
}

// WriteStates writes the FIFO lines of the given instances and sync
// groups, and nothing else (no script, no mail): the states that
// fifo_write_vrrp_states_on_reload re-sends after a reload, so that a
// FIFO reader that was restarted or lost a line knows where everything
// stands.
func (n *Notifier) WriteStates(insts, groups []StateOf) {
	for _, s := range insts {
		n.write(InstanceLine(s.Name, s.State, s.Priority), n.o.FIFOs.All, n.o.FIFOs.VRRP)
	}
	for _, g := range groups {
		n.write(GroupLine(g.Name, g.State), n.o.FIFOs.All, n.o.FIFOs.VRRP)
	}
}

package notify

import (
	"context"
	"strconv"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// State is a VRRP state or event as notify scripts and FIFOs name it.
type State int

// States and events, with keepalived's names.
const (
	Master State = iota + 1
	Backup
	Fault
	Stop
	Deleted
	// MasterRxLowerPri: a master received an advert with a lower
	// priority (notify_master_rx_lower_pri, FIFO only otherwise).
	MasterRxLowerPri
	// MasterPriority and BackupPriority: the effective priority changed
	// (notify_priority_changes; FIFO only).
	MasterPriority
	BackupPriority
)

// String is the word scripts and FIFO lines carry.
func (s State) String() string {
	switch s {
	case Master:
		return "MASTER"
	case Backup:
		return "BACKUP"
	case Fault:
		return "FAULT"
	case Stop:
		return "STOP"
	case Deleted:
		return "DELETED"
	case MasterRxLowerPri:
		return "MASTER_RX_LOWER_PRI"
	case MasterPriority:
		return "MASTER_PRIORITY"
	case BackupPriority:
		return "BACKUP_PRIORITY"
	}
	return "{UNKNOWN}"
}

// StopScriptTimeout is how long keepalived lets a STOP notify script (and
// notify_up/down scripts run while stopping) live before killing it.
const StopScriptTimeout = time.Second

// Command is one script run, in plain types for internal/sys/exec.
type Command struct {
	Args        []string
	User, Group string
	// Timeout is 0 for no limit.
	Timeout time.Duration
}

// Result is how a run ended.
type Result struct {
	Status   int
	Signal   int
	TimedOut bool
	Err      error
}

// Runner runs a command to its end.
type Runner func(ctx context.Context, c Command) Result

// command turns a configured script into a command with extra arguments.
func command(s *config.Script, extra ...string) Command {
	args := make([]string, 0, len(s.Args)+len(extra))
	args = append(append(args, s.Args...), extra...)
	return Command{Args: args, User: s.User, Group: s.Group}
}

func runnable(s *config.Script) bool { return s != nil && len(s.Args) > 0 }

// InstanceCommands are the scripts keepalived runs, in order, when
// instance v enters state with effective priority prio
// (send_instance_notifies): the state's own script with no extra
// argument, then the generic notify script with
// "INSTANCE NAME STATE PRIORITY" appended. Without notify_deleted a
// deleted instance is reported FAULT; state is returned as reported.
func InstanceCommands(v *config.VRRPInstance, state State, prio int) ([]Command, State) {
	if state == Deleted && v.NotifyDeleted == nil {
		state = Fault
	}
	var own *config.Script
	switch state {
	case Master:
		own = v.NotifyMaster
	case Backup:
		own = v.NotifyBackup
	case Fault:
		own = v.NotifyFault
	case Stop:
		own = v.NotifyStop
	case Deleted:
		own = v.NotifyDeleted
	}
	return scripts(own, v.Notify, state, "INSTANCE", v.Name, prio), state
}

// GroupCommands are the scripts run when sync group g enters state
// (send_group_notifies): the state's script, then the generic notify
// with "GROUP NAME STATE 0" appended.
func GroupCommands(g *config.VRRPSyncGroup, state State) []Command {
	var own *config.Script
	switch state {
	case Master:
		own = g.NotifyMaster
	case Backup:
		own = g.NotifyBackup
	case Fault:
		own = g.NotifyFault
	case Stop:
		own = g.NotifyStop
	}
	return scripts(own, g.Notify, state, "GROUP", g.Name, 0)
}

func scripts(own, generic *config.Script, state State, kind, name string, prio int) []Command {
	var out []Command
	if runnable(own) {
		out = append(out, command(own))
	}
	if runnable(generic) {
		out = append(out, command(generic, kind, name, state.String(), strconv.Itoa(prio)))
	}
	if state == Stop {
		for i := range out {
			out[i].Timeout = StopScriptTimeout
		}
	}
	return out
}

// FIFOScriptCommand is the command keepalived starts to read a FIFO
// (notify_fifo_script and the like): the script with the FIFO's path
// appended.
func FIFOScriptCommand(s *config.Script, path string) Command {
	return command(s, path)
}

package notify

import "github.com/keepalived-go/keepalived/internal/config"

// RealServerChange is a real server going up or down, as the checker
// reports it to the daemon (ipwrapper.c do_rs_notifies and the checkers'
// smtp_alert calls).
type RealServerChange struct {
	// RS and VS are keepalived's renderings: "[192.0.2.11]:tcp:80" and
	// "[192.0.2.100]:tcp:80" (or "FWM 5", "[GROUP]:0").
	RS, VS string
	Up     bool
	// Script is the real server's notify_up or notify_down for this
	// change (nil = none).
	Script *config.Script
	// Mail, when true, sends an alert with Message as its body (the
	// checker's text, e.g. "=> TCP CHECK succeed on service <=").
	// The caller applies smtp_alert and no_checker_emails.
	Mail    bool
	Message string
	// Removed: the server is being removed (reload) or shut down
	// (Stopping); the mail subject says DOWN and the body
	// "=> Removing <=" or "=> Shutting down <=" (clear_service_rs).
	Removed, Stopping bool
}

// RealServer reports a real server change: its script (1 s timeout while
// stopping), the LVS FIFO line and the mail, never blocking.
func (n *Notifier) RealServer(c RealServerChange) {
	if runnable(c.Script) {
		cmd := command(c.Script)
		if c.Stopping {
			cmd.Timeout = StopScriptTimeout
		}
		n.run("RS "+c.RS+" "+c.VS, []Command{cmd})
	}
	n.write(RSLine(c.RS, c.VS, c.Up), n.o.FIFOs.All, n.o.FIFOs.LVS)
	if !c.Mail {
		return
	}
	state, body := upDown(c.Up), c.Message
	if c.Removed || c.Stopping {
		state, body = "DOWN", "=> Removing <="
		if c.Stopping {
			body = "=> Shutting down <="
		}
	}
	n.mail(Mail{Subject: n.subject("Realserver %s of virtual server %s - %s", c.RS, c.VS, state), Body: body})
}

// VirtualServerChange is a virtual server gaining or losing its quorum
// (do_vs_notifies).
type VirtualServerChange struct {
	VS string
	Up bool
	// Script is notify_quorum_up or notify_quorum_down (nil = none).
	Script *config.Script
	// Mail sends an alert whose body is Message, e.g.
	// "=> Gained quorum 1+0=1 <= 2 <=" (the caller formats it).
	Mail     bool
	Message  string
	Stopping bool
}

// VirtualServer reports a quorum change: script, LVS FIFO line, mail.
func (n *Notifier) VirtualServer(c VirtualServerChange) {
	if runnable(c.Script) {
		cmd := command(c.Script)
		if c.Stopping {
			cmd.Timeout = StopScriptTimeout
		}
		n.run("VS "+c.VS, []Command{cmd})
	}
	n.write(VSLine(c.VS, c.Up), n.o.FIFOs.All, n.o.FIFOs.LVS)
	if c.Mail {
		body := c.Message
		if c.Stopping {
			body = "=> Shutting down <="
		}
		n.mail(Mail{Subject: n.subject("Virtualserver %s - %s", c.VS, upDown(c.Up)), Body: body})
	}
}

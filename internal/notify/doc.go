// Package notify tells the world about VRRP and checker transitions as
// keepalived does (keepalived/vrrp/vrrp_notify.c, check/ipwrapper.c,
// core/notify.c, core/smtp.c): notify scripts with keepalived's argv,
// lines on the notify FIFOs, and e-mail alerts over plain SMTP.
//
// Nothing here blocks the caller: scripts run from a queue per instance
// (in order), FIFO lines and mails from queues of their own. The package
// never touches the operating system: scripts go through an injected
// Runner (internal/sys/exec), FIFOs are io.Writers the daemon opened,
// SMTP connections come from an injected dialer.
package notify

// Package check runs keepalived's health checkers of real servers and
// decides, as keepalived's check/*.c and ipwrapper.c do, when a real
// server is up or down and what weight it has.
//
// A Manager is built from the configuration (New) with what touches the
// OS injected through Options: a Dialer (sys/netdial: bindto, bind_if,
// fwmark), a Pinger (sys/ping), a RunFunc for MISC_CHECK scripts, the
// SSL_GET tls.Config (TLSConfig) and an OnEvent callback. Run schedules
// every checker (sched.go: a heap of due times and a pool of workers that
// grows when all are busy), each first after a random warmup offset; a
// check is bounded by its connect_timeout and holds one worker, so that
// a server that never answers costs a timeout and stalls nothing else. Each result goes
// through a small decision machine (machine.step: retry, alpha,
// delay_before_retry), then through the real server's aggregate (up only
// when every checker is up, misc_dynamic and FILE_CHECK weights), and
// comes out as keepalived's log lines and Events.
//
// The HTTP_GET/SSL_GET exchange (Get) is shared with genhash.
package check

// Package vrrp is the VRRP instance state machine (RFC 3768 for VRRPv2,
// RFC 5798 for VRRPv3) with keepalived's behaviour: timers, preemption,
// preempt_delay, the equal-priority tie-break and tracker priorities.
//
// It is pure logic. An Instance never touches a socket, an address or a
// clock: each event (Start, AdvertReceived, Timer, SetPriority, Fault,
// Recover, Stop) takes the current time and returns the Actions a driver
// must execute, in order (send an advert, add or remove the VIPs, send
// gratuitous ARPs, run notifies, log). The driver calls Timer when
// NextDeadline is reached.
package vrrp

// Package check holds keepalived's health-check logic. It does not dial:
// the checkers are given connected net.Conns by an adapter, so that the
// logic is tested against in-process servers and fakes.
//
// For now it has the HTTP_GET/SSL_GET exchange (Get), shared by the
// future HTTP_GET checker and by genhash.
package check

package packet

import "crypto/subtle"

// PassAuthData returns the v2 PASS authentication data for password:
// its first 8 bytes, NUL padded (keepalived's auth_pass keeps at most 8
// characters).
func PassAuthData(password string) [AuthDataLen]byte {
	var d [AuthDataLen]byte
	copy(d[:], password)
	return d
}

// PasswordMatches says, in constant time, whether the advertisement's
// auth data equals want (keepalived compares all 8 bytes).
func (a *Advertisement) PasswordMatches(want [AuthDataLen]byte) bool {
	return subtle.ConstantTimeCompare(a.AuthData[:], want[:]) == 1
}

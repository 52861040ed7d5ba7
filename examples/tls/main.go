// Command tls serves socket.io over HTTPS with a self-signed certificate generated at start
// (for localhost, 127.0.0.1 and ::1; nothing is read from or written to disk). Clients
// connect to https://localhost:3443 and may emit "echo" with an acknowledgement: the
// server answers with the same string. A Go client trusts the certificate by putting it
// in the RootCAs of client.Options.HTTPClient's transport (see main_test.go); browsers
// and curl need it accepted by hand (curl -k).
//
// Run it with:
//
//	go run ./tls
//
// then, for example, curl -k 'https://localhost:3443/socket.io/?EIO=4&transport=polling'.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"log"
	"math/big"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/gosockio/gosockio/socketio"
)

// newServer returns the socket.io server: "echo" answers its argument.
func newServer() (*socketio.Server, error) {
	io, err := socketio.NewServer(nil)
	if err != nil {
		return nil, err
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(msg string, ack func(string)) { ack(msg) })
	})
	return io, nil
}

// selfSigned makes a certificate for localhost, 127.0.0.1 and ::1, valid for a day, and
// returns it with its parsed form (to trust it on the client side).
func selfSigned() (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "gosockio example"},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		// Self-signed: the certificate is its own CA, so a client can trust it directly.
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}

func main() {
	io, err := newServer()
	if err != nil {
		log.Fatal(err)
	}
	cert, _, err := selfSigned()
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	srv := &http.Server{
		Addr:      ":3443",
		Handler:   io,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}
	// This goroutine ends when srv shuts down below.
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(shutdown) // disconnects the sockets first: hijacked websockets are not srv's
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("listening on https://localhost%s (self-signed certificate)", srv.Addr)
	if err := srv.ListenAndServeTLS("", ""); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

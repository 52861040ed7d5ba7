package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/examples/internal/mounttest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestTLS(t *testing.T) {
	sio, err := newServer()
	if err != nil {
		t.Fatal(err)
	}
	cert, leaf, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(sio)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.StartTLS()
	t.Cleanup(func() {
		_ = sio.Close(context.Background())
		ts.Close()
	})

	// A client that trusts only the generated certificate.
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	mounttest.Handshake(t, hc, ts.URL+"/socket.io/")
	mounttest.EchoTransports(t, ts.URL, &client.Options{HTTPClient: hc}, "over tls")
}

// TestUntrusted checks that the certificate is really checked: a client without it in
// its roots fails the handshake.
func TestUntrusted(t *testing.T) {
	sio, err := newServer()
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(sio)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	ts.StartTLS()
	t.Cleanup(func() {
		_ = sio.Close(context.Background())
		ts.Close()
	})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	_, err = (&http.Client{Transport: tr}).Get(ts.URL + "/socket.io/?EIO=4&transport=polling")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("GET without the certificate: err = %v, want x509.UnknownAuthorityError", err)
	}
}

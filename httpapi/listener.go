package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
)

// Go's HTTP server answers some requests before any handler sees them: a
// header block over MaxHeaderBytes (431), a malformed request line or
// header (400), an unknown transfer coding (501), an unsupported HTTP
// version (505). It writes those as canned plain-text responses straight
// to the connection; an Expect header other than 100-continue gets an
// empty 417. JSONErrorListener wraps the listener so that those
// responses carry the API's error shape, {"code": ..., "error": ...},
// like every other answer.

// cannedHeaders is what net/http puts between its status line and body.
var cannedHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

// JSONErrorListener returns l with its connections rewriting net/http's
// canned error responses as JSON errors. maxHeaderBytes is the server's
// MaxHeaderBytes, named in the 431 answer.
func JSONErrorListener(l net.Listener, maxHeaderBytes int) net.Listener {
	return &jsonErrorListener{Listener: l, maxHeaderBytes: maxHeaderBytes}
}

type jsonErrorListener struct {
	net.Listener
	maxHeaderBytes int
}

func (l *jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c, maxHeaderBytes: l.maxHeaderBytes}, nil
}

type jsonErrorConn struct {
	net.Conn
	maxHeaderBytes int
}

// Write passes responses through, except a canned error, which it
// replaces whole (net/http writes each in one call, and only those have
// exactly these headers and no Date).
func (c *jsonErrorConn) Write(b []byte) (int, error) {
	if resp, ok := c.rewrite(b); ok {
		if _, err := c.Conn.Write(resp); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// expectationFailed starts net/http's answer to an unknown Expect header;
// no handler of the API answers 417.
const expectationFailed = "HTTP/1.1 417 Expectation Failed\r\n"

// rewrite turns a canned response into a JSON one.
func (c *jsonErrorConn) rewrite(b []byte) ([]byte, bool) {
	const prefix = "HTTP/1.1 "
	if bytes.HasPrefix(b, []byte(expectationFailed)) && bytes.HasSuffix(b, []byte("\r\n\r\n")) {
		return jsonResponse("417 Expectation Failed", EExpectation, "unsupported Expect header; only Expect: 100-continue is understood"), true
	}
	if !bytes.HasPrefix(b, []byte(prefix)) || len(b) < len(prefix)+3 {
		return nil, false
	}
	i := bytes.Index(b, cannedHeaders)
	if i < 0 || bytes.IndexByte(b[:i], '\n') >= 0 {
		return nil, false
	}
	status, err := strconv.Atoi(string(b[len(prefix) : len(prefix)+3]))
	if err != nil || status < 400 {
		return nil, false
	}
	text := string(b[i+len(cannedHeaders):])
	code := codeOfStatus(status)
	msg := "the HTTP request is malformed: " + text
	switch status {
	case 431:
		msg = fmt.Sprintf("the request's header block is larger than %d bytes; send fewer or shorter headers (the token, Content-Type and ce-* attributes need far less)", c.maxHeaderBytes)
	case 501:
		msg = "unsupported Transfer-Encoding; send the body with Content-Length or chunked"
	case 505:
		msg = "unsupported HTTP version; use HTTP/1.1: " + text
	}
	return jsonResponse(string(b[len(prefix):bytes.IndexByte(b, '\r')]), code, msg), true
}

// jsonResponse is a complete HTTP/1.1 answer with the JSON error shape;
// the connection closes after it, as net/http's own answer would.
func jsonResponse(statusLine, code, msg string) []byte {
	body, _ := json.Marshal(Error{Code: code, Message: msg})
	body = append(body, '\n')
	var out bytes.Buffer
	fmt.Fprintf(&out, "HTTP/1.1 %s\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\nContent-Length: %d\r\n\r\n",
		statusLine, len(body))
	out.Write(body)
	return out.Bytes()
}

// codeOfStatus is the error code answered with status; codes are declared
// once, in statusOf.
func codeOfStatus(status int) string {
	for code, st := range statusOf {
		if st == status {
			return code
		}
	}
	return EMalformed
}

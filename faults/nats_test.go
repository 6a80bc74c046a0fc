package faults

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/govpulse/govpulse/internal/pgtest"
)

// natsNode is a nats-server process with JetStream that the test owns, on
// ports and a store directory it keeps across restarts.
type natsNode struct {
	*process
	Name        string
	Port        int
	ClusterPort int
}

// URL is the node's client URL.
func (n *natsNode) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.Port) }

// startNATS starts one JetStream server.
func startNATS(t testing.TB) *natsNode {
	t.Helper()
	return startNATSCluster(t, 1)[0]
}

// startNATSCluster starts size JetStream servers routed into one cluster
// (one plain server when size is 1) and waits until JetStream answers on
// every node.
func startNATSCluster(t testing.TB, size int) []*natsNode {
	t.Helper()
	bin := natsServerBin(t)
	dir := t.TempDir()
	nodes := make([]*natsNode, size)
	for i := range nodes {
		nodes[i] = &natsNode{Name: fmt.Sprintf("n%d", i+1), Port: freePort(t), ClusterPort: freePort(t)}
	}
	for _, n := range nodes {
		var conf strings.Builder
		fmt.Fprintf(&conf, "server_name: %s\nlisten: 127.0.0.1:%d\njetstream { store_dir: %q }\n",
			n.Name, n.Port, filepath.Join(dir, n.Name))
		if size > 1 {
			var routes []string
			for _, o := range nodes {
				routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", o.ClusterPort))
			}
			fmt.Fprintf(&conf, "cluster { name: govpulse-faults\n listen: 127.0.0.1:%d\n routes: [%s] }\n",
				n.ClusterPort, strings.Join(routes, ", "))
		}
		path := filepath.Join(dir, n.Name+".conf")
		if err := os.WriteFile(path, []byte(conf.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		n.process = newProcess(t, "nats-"+n.Name, bin, []string{"-c", path}, os.Environ())
		n.process.Start()
	}
	for _, n := range nodes {
		n.WaitJetStream()
	}
	return nodes
}

// Start starts the node again and waits until its JetStream answers.
func (n *natsNode) Start() {
	n.t.Helper()
	n.process.Start()
	n.WaitJetStream()
}

// WaitJetStream waits until the node serves JetStream requests (in a
// cluster: once a meta leader is elected).
func (n *natsNode) WaitJetStream() {
	n.t.Helper()
	waitFor(n.t, n.Name+" JetStream ready", time.Minute, func() error {
		select {
		case <-n.Exited():
			n.t.Fatalf("nats-server %s exited at start", n.Name)
		default:
		}
		return withJetStream(n.URL(), func(js nats.JetStreamContext) error {
			_, err := js.AccountInfo()
			return err
		})
	})
}

// clusterURLs is the comma list of every node's client URL.
func clusterURLs(nodes []*natsNode) string {
	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.URL())
	}
	return strings.Join(urls, ",")
}

// streamLeader names the node leading the stream's replicas, and how many
// replicas the stream has, as the cluster reports them.
func streamLeader(t testing.TB, nodes []*natsNode, stream string) (*natsNode, int) {
	t.Helper()
	var leader *natsNode
	var replicas int
	waitFor(t, "stream "+stream+" has a leader", 30*time.Second, func() error {
		return withJetStream(clusterURLs(nodes), func(js nats.JetStreamContext) error {
			info, err := js.StreamInfo(stream)
			if err != nil {
				return err
			}
			replicas = info.Config.Replicas
			if info.Cluster == nil {
				return fmt.Errorf("no cluster information")
			}
			for _, n := range nodes {
				if n.Name == info.Cluster.Leader {
					leader = n
					return nil
				}
			}
			return fmt.Errorf("leader %q is none of the nodes", info.Cluster.Leader)
		})
	})
	return leader, replicas
}

// natsDeployment is a deployment on a fresh database of the test server
// with GOVPULSE_BUS=nats on the servers urls.
func natsDeployment(t testing.TB, urls string) (*deployment, string) {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	d := newDeployment(t, dbURL)
	d.env["GOVPULSE_BUS"] = "nats"
	d.env["GOVPULSE_NATS_URL"] = urls
	return d, dbURL
}

// withJetStream connects to the servers urls (a comma list), once, with
// short timeouts, and runs fn on their JetStream.
func withJetStream(urls string, fn func(nats.JetStreamContext) error) error {
	nc, err := nats.Connect(urls, nats.Timeout(2*time.Second), nats.NoReconnect())
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.MaxWait(2 * time.Second))
	if err != nil {
		return err
	}
	return fn(js)
}

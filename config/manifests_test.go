package config

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestKubernetesManifestsConfigureServe reads the Kubernetes example in
// deploy/kubernetes: every GOVPULSE_ variable it sets is a setting of
// govpulse serve, and each Deployment's settings (its ConfigMap, Secret
// and own env together) pass Validate.
func TestKubernetesManifestsConfigureServe(t *testing.T) {
	files, err := filepath.Glob("../deploy/kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/kubernetes: %v", err)
	}
	known := map[string]bool{}
	c := Default()
	for _, s := range c.settings() {
		known[s.env] = true
	}
	type envVar struct{ Name, Value string }
	type manifest struct {
		Kind       string                `yaml:"kind"`
		Metadata   struct{ Name string } `yaml:"metadata"`
		Data       map[string]string     `yaml:"data"`
		StringData map[string]string     `yaml:"stringData"`
		Spec       struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Args    []string `yaml:"args"`
						Env     []envVar `yaml:"env"`
						EnvFrom []struct {
							ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
							SecretRef    *struct{ Name string } `yaml:"secretRef"`
						} `yaml:"envFrom"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	maps := map[string]map[string]string{} // kind/name → settings
	var deployments []manifest
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var m manifest
			if err := dec.Decode(&m); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			switch m.Kind {
			case "ConfigMap":
				maps["ConfigMap/"+m.Metadata.Name] = m.Data
			case "Secret":
				maps["Secret/"+m.Metadata.Name] = m.StringData
			case "Deployment":
				deployments = append(deployments, m)
			}
		}
	}
	if len(deployments) == 0 {
		t.Fatal("no Deployment in deploy/kubernetes")
	}
	for _, d := range deployments {
		for _, ctr := range d.Spec.Template.Spec.Containers {
			env := map[string]string{}
			for _, from := range ctr.EnvFrom {
				var src map[string]string
				var ok bool
				if from.ConfigMapRef != nil {
					src, ok = maps["ConfigMap/"+from.ConfigMapRef.Name]
				} else if from.SecretRef != nil {
					src, ok = maps["Secret/"+from.SecretRef.Name]
				}
				if !ok {
					t.Errorf("%s: envFrom names a ConfigMap or Secret that is not in deploy/kubernetes", d.Metadata.Name)
				}
				for k, v := range src {
					env[k] = v
				}
			}
			for _, e := range ctr.Env {
				env[e.Name] = e.Value
			}
			for k := range env {
				if strings.HasPrefix(k, "GOVPULSE_") && !known[k] {
					t.Errorf("%s sets %s, which is no setting of govpulse serve", d.Metadata.Name, k)
				}
			}
			c := Default()
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			if err := c.Register(fs, func(k string) string { return env[k] }); err != nil {
				t.Errorf("%s: %v", d.Metadata.Name, err)
				continue
			}
			if err := c.Validate(); err != nil {
				t.Errorf("%s: its settings are refused: %v", d.Metadata.Name, err)
			}
			if c.Bus != "nats" || c.NATSReplicas != 3 || c.SourcesFile == "" {
				t.Errorf("%s: bus %s, %d replicas, sources %q: want nats with 3 replicas and a sources file", d.Metadata.Name, c.Bus, c.NATSReplicas, c.SourcesFile)
			}
		}
	}
}

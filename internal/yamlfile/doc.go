// Package yamlfile writes the YAML files govpulse generates (Prometheus
// rules, Alertmanager and Grafana provisioning): indented by two, under a
// comment header that says where the file came from.
package yamlfile

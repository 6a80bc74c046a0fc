package demo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadEnvFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.env")
	content := "# tokens\n\nexport A=1\nB = \"two words\"\nC='x=y'\nD=\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "1", "B": "two words", "C": "x=y", "D": ""}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if err := os.WriteFile(path, []byte("NOT A LINE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEnvFile(path); err == nil {
		t.Error("a line without = was accepted")
	}
}

func TestShippedDemoEnvHasEveryToken(t *testing.T) {
	env, err := ReadEnvFile(filepath.Join("..", "examples", "demo.env"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := Tokens(func(k string) string { return env[k] })
	for _, s := range Systems() {
		if tokens[s.Name] == "" {
			t.Errorf("examples/demo.env has no %s for %s", s.TokenEnv, s.Name)
		}
	}
}

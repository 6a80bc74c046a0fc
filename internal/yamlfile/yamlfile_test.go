package yamlfile

import "testing"

func TestMarshalUnderHeader(t *testing.T) {
	got, err := Marshal(map[string]any{"groups": []map[string]int{{"a": 1}}}, "Generated; do not edit.\n\nSee the docs.\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Generated; do not edit.\n#\n# See the docs.\ngroups:\n  - a: 1\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

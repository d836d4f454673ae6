// helm-engine renders a Helm chart's templates the way `helm template` does, for the deploy/
// tests (there is no helm binary to install here, from npm or Debian). It is Helm's template
// engine as Helm builds it (pkg/engine): Go's text/template with the Sprig function library
// (Debian's golang-github-masterminds-sprig-dev, the v3 Helm uses), less env and expandenv, plus
// Helm's own functions (include, tpl, required, toYaml, fromYaml, toJson, fromJson, lookup),
// missingkey=zero and "<no value>" written as "". Values are merged and checked against
// values.schema.json by the caller (test/deploy/helm.ts); this program only renders.
//
// Usage: helm-engine CHART_DIR VALUES_JSON RELEASE_NAME NAMESPACE
// Prints a JSON object: template path ("augur/templates/deployment.yaml") -> rendered text.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v2"
)

// Capabilities as Helm gives them to a template (the parts a chart reads).
type kubeVersion struct{ Version, Major, Minor string }

func (k kubeVersion) String() string { return k.Version }

type versionSet []string

func (v versionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions versionSet
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "helm-engine: "+format+"\n", args...)
	os.Exit(1)
}

// yaml.v2 gives map[interface{}]interface{}; templates and JSON want string keys.
func stringKeys(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, x := range t {
			m[fmt.Sprint(k)] = stringKeys(x)
		}
		return m
	case []interface{}:
		for i, x := range t {
			t[i] = stringKeys(x)
		}
	}
	return v
}

// toYaml as Helm's: sigs.k8s.io/yaml (JSON first, so keys sorted and numbers as JSON has them), no final newline.
func toYAML(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var generic interface{}
	if err := yaml.Unmarshal(j, &generic); err != nil {
		return ""
	}
	out, err := yaml.Marshal(generic)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	var v interface{}
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		m["Error"] = err.Error()
		return m
	}
	if mm, ok := stringKeys(v).(map[string]interface{}); ok {
		return mm
	}
	return m
}

func main() {
	if len(os.Args) != 5 {
		fail("usage: helm-engine CHART_DIR VALUES_JSON RELEASE_NAME NAMESPACE")
	}
	chartDir, valuesFile, releaseName, namespace := os.Args[1], os.Args[2], os.Args[3], os.Args[4]

	raw, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		fail("%v", err)
	}
	var meta map[string]interface{}
	if err := yaml.Unmarshal(raw, &meta); err != nil {
		fail("Chart.yaml: %v", err)
	}
	// .Chart has Helm's field names: .Chart.Name, .Chart.Version, .Chart.AppVersion, ...
	chart := map[string]interface{}{}
	for k, v := range stringKeys(meta).(map[string]interface{}) {
		chart[strings.ToUpper(k[:1])+k[1:]] = v
	}
	name, _ := chart["Name"].(string)

	var values map[string]interface{}
	vj, err := os.ReadFile(valuesFile)
	if err != nil {
		fail("%v", err)
	}
	if err := json.Unmarshal(vj, &values); err != nil {
		fail("values: %v", err)
	}

	top := map[string]interface{}{
		"Values":  values,
		"Chart":   chart,
		"Release": map[string]interface{}{"Name": releaseName, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Capabilities": capabilities{
			KubeVersion: kubeVersion{Version: "v1.31.0", Major: "1", Minor: "31"},
			APIVersions: versionSet{"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "admissionregistration.k8s.io/v1"},
		},
	}

	// Every file under templates/, named as Helm names them: "<chart>/templates/<path>".
	root := template.New("gotpl")
	var names []string
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	includeDepth := map[string]int{}
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = fromYAML
	funcs["toJson"] = func(v interface{}) string { b, _ := json.Marshal(v); return string(b) }
	funcs["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) { return map[string]interface{}{}, nil }
	funcs["include"] = func(tname string, data interface{}) (string, error) {
		if includeDepth[tname] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", tname)
		}
		includeDepth[tname]++
		defer func() { includeDepth[tname]-- }()
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, tname, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	root.Funcs(funcs).Option("missingkey=zero")

	tdir := filepath.Join(chartDir, "templates")
	err = filepath.Walk(tdir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir, path)
		tname := name + "/" + filepath.ToSlash(rel)
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, err := root.New(tname).Parse(string(text)); err != nil {
			return fmt.Errorf("parse error in %q: %v", tname, err)
		}
		names = append(names, tname)
		return nil
	})
	if err != nil {
		fail("%v", err)
	}
	sort.Strings(names)

	out := map[string]string{}
	for _, tname := range names {
		base := filepath.Base(tname)
		if strings.HasPrefix(base, "_") {
			continue // partials: defined templates only
		}
		scope := map[string]interface{}{}
		for k, v := range top {
			scope[k] = v
		}
		scope["Template"] = map[string]interface{}{"Name": tname, "BasePath": name + "/templates"}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, tname, scope); err != nil {
			fail("%v", err)
		}
		out[tname] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	j, _ := json.Marshal(out)
	os.Stdout.Write(j)
}

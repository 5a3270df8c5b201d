package models_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestMembershipsAreOnlySelfMade reads the models source and checks every
// place a Membership or JoinRequest is built: its MemberID must be the acting
// person (a.ID), never a member id from elsewhere, and no raw SQL inserts one.
// (Empty literals, which only name a table in a query, are allowed.) A new operation that made
// someone else a member would fail here before it could ship.
func TestMembershipsAreOnlySelfMade(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if s, ok := n.(*ast.BasicLit); ok && s.Kind == token.STRING {
				if q := strings.ToLower(s.Value); strings.Contains(q, "insert into memberships") || strings.Contains(q, "insert into join_requests") {
					t.Errorf("%s: raw SQL inserts a membership; go through JoinSpace", fset.Position(s.Pos()))
				}
			}
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			id, ok := lit.Type.(*ast.Ident)
			if !ok || (id.Name != "Membership" && id.Name != "JoinRequest") || len(lit.Elts) == 0 {
				return true // an empty literal only names a table in a query
			}
			found++
			memberID := ""
			for _, el := range lit.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					t.Errorf("%s: %s built without field names", fset.Position(lit.Pos()), id.Name)
					continue
				}
				if k, _ := kv.Key.(*ast.Ident); k != nil && k.Name == "MemberID" {
					memberID = exprString(kv.Value)
				}
			}
			if memberID != "a.ID" {
				t.Errorf("%s: %s{MemberID: %q}; a membership may only be made for the acting person (a.ID)", fset.Position(lit.Pos()), id.Name, memberID)
			}
			return true
		})
	}
	if found < 3 {
		t.Fatalf("found only %d places that build memberships or join requests; the check is not looking where it should", found)
	}
}

func exprString(e ast.Expr) string {
	switch v := e.(type) {
	case *ast.Ident:
		return v.Name
	case *ast.SelectorExpr:
		return exprString(v.X) + "." + v.Sel.Name
	}
	return "?"
}

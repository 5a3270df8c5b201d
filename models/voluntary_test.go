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
// place a membership can come into being:
//   - a Membership is built only in admit (the one constructor) and in
//     CreateSpace (the founder, a.ID);
//   - admit is called only for the acting person (a.ID), or, on approving a
//     join request, for the author of that request (req.MemberID);
//   - a JoinRequest (or Invitation acceptance) is made only for a.ID;
//   - no raw SQL inserts into memberships.
//
// A new operation that made someone else a member would fail here before it
// could ship. (Empty literals, which only name a table in a query, are fine.)
func TestMembershipsAreOnlySelfMade(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	admits, literals := 0, 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BasicLit:
					if q := strings.ToLower(n.Value); n.Kind == token.STRING && (strings.Contains(q, "insert into memberships") || strings.Contains(q, "insert into join_requests")) {
						t.Errorf("%s: raw SQL creates a membership or request; go through admit", fset.Position(n.Pos()))
					}
				case *ast.CallExpr:
					if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "admit" {
						admits++
						who := exprString(n.Args[3])
						approvedRequest := fn.Name.Name == "ApproveJoinRequest" && who == "req.MemberID"
						if who != "a.ID" && !approvedRequest {
							t.Errorf("%s: %s admits %s; only the acting person, or the author of an approved request, may be admitted", fset.Position(n.Pos()), fn.Name.Name, who)
						}
					}
				case *ast.CompositeLit:
					id, ok := n.Type.(*ast.Ident)
					if !ok || len(n.Elts) == 0 || (id.Name != "Membership" && id.Name != "JoinRequest") {
						return true
					}
					literals++
					who := fieldValue(n, "MemberID")
					switch {
					case id.Name == "Membership" && fn.Name.Name == "admit" && who == "personID":
					case who == "a.ID" && (id.Name == "JoinRequest" || fn.Name.Name == "CreateSpace"):
					default:
						t.Errorf("%s: %s builds %s{MemberID: %s}; memberships come only from admit or founding", fset.Position(n.Pos()), fn.Name.Name, id.Name, who)
					}
				}
				return true
			})
		}
	}
	if admits < 2 || literals < 3 {
		t.Fatalf("found %d calls of admit and %d literals; the check is not looking where it should", admits, literals)
	}
}

func fieldValue(lit *ast.CompositeLit, field string) string {
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if k, _ := kv.Key.(*ast.Ident); k != nil && k.Name == field {
				return exprString(kv.Value)
			}
		}
	}
	return "(unset)"
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

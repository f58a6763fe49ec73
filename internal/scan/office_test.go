package scan

import (
	"path/filepath"
	"testing"
)

// TestOffice: a token Word split over runs is found at its paragraph (no
// reader of the raw XML sees it whole), one in a single run once, not a
// second time by the raw pass, and a workbook's cell is named by sheet.
func TestOffice(t *testing.T) {
	tok := newTokenGen(133).Tokens(t, 3)
	const w = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	types := `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`
	doc := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<w:document ` + w + `><w:body>` +
		`<w:p><w:r><w:t>intro</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>` + tok[0][:5] + `</w:t></w:r><w:r><w:rPr><w:i/></w:rPr><w:t>` + tok[0][5:] + `</w:t></w:r></w:p>` +
		"\n" + `<w:p><w:r><w:t>key ` + tok[1] + `</w:t></w:r></w:p></w:body></w:document>`
	const s = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.docx"), zipOf(t, entry{"[Content_Types].xml", []byte(types)}, entry{"word/document.xml", []byte(doc)}))
	writeFile(t, filepath.Join(dir, "keys.xlsx"), zipOf(t,
		entry{"[Content_Types].xml", []byte(types)},
		entry{"xl/workbook.xml", []byte(`<workbook ` + s + `><sheets><sheet name="Prod" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		entry{"xl/sharedStrings.xml", []byte(`<sst ` + s + `><si><t>` + tok[2] + `</t></si></sst>`)},
		entry{"xl/worksheets/sheet1.xml", []byte(`<worksheet ` + s + `><sheetData><row r="3"><c r="C3" t="s"><v>0</v></c></row></sheetData></worksheet>`)},
	))
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	want := map[string]string{
		tok[0]: filepath.Join(dir, "notes.docx") + "!word/document.xml:2 paragraph=2",
		tok[1]: filepath.Join(dir, "notes.docx") + "!word/document.xml:3 paragraph=3",
		tok[2]: filepath.Join(dir, "keys.xlsx") + "!xl/worksheets/sheet1.xml:1 cell=Prod!C3",
	}
	for sec, w := range want {
		got := bySecret(fs, sec)
		if len(got) != 1 {
			t.Fatalf("%d findings of %s…, want 1:%s", len(got), sec[:5], describe(fs))
		}
		l := got[0].Location
		at := l.Path + ":" + itoa(l.Line)
		if p := l.Attrs["paragraph"]; p != "" {
			at += " paragraph=" + p
		}
		if c := l.Attrs["cell"]; c != "" {
			at += " cell=" + c
		}
		if at != w || l.Column != 0 {
			t.Errorf("found at %q col %d, want %q", at, l.Column, w)
		}
	}
	if len(fs) != 3 || st.Errors != 0 {
		t.Errorf("%d findings, errors %q:%s", len(fs), st.ErrorList, describe(fs))
	}
}

package office

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

const (
	wNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	aNS = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"`
	sNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
)

// contentTypes is a minimal [Content_Types].xml.
const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`

// Docx returns the members of a Word document whose body holds paras,
// each a list of runs.
func Docx(paras ...[]string) map[string]string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<w:document " + wNS + "><w:body>")
	for _, runs := range paras {
		b.WriteString("<w:p>")
		for _, r := range runs {
			b.WriteString(`<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">` + r + "</w:t></w:r>")
		}
		b.WriteString("</w:p>")
	}
	b.WriteString("</w:body></w:document>")
	return map[string]string{"[Content_Types].xml": contentTypes, "word/document.xml": b.String(),
		"docProps/core.xml": `<cp:coreProperties xmlns:cp="x"><dc:creator xmlns:dc="y">me</dc:creator></cp:coreProperties>`}
}

// pyZip writes members to a zip with Python's zipfile, as Office tools
// write them (deflated), and returns its bytes.
func pyZip(t *testing.T, members map[string]string) []byte {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	p := filepath.Join(t.TempDir(), "doc.zip")
	spec, err := json.Marshal(members)
	if err != nil {
		t.Fatal(err)
	}
	script := `import json, sys, zipfile
members = json.loads(sys.stdin.read())
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", members.pop("[Content_Types].xml"))
    for name in sorted(members):
        z.writestr(name, members[name])
`
	cmd := exec.Command(py, "-c", script, p)
	cmd.Stdin = bytes.NewReader(spec)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python3: %v: %s", err, out)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// open reads the document in data as the zip reader would: through FS,
// then every member's raw bytes without what it found.
func open(t *testing.T, name string, data []byte) *sourcetest.Host {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !FS().SniffFS(zr) {
		t.Fatal("not sniffed")
	}
	h := sourcetest.New()
	in := &source.Input{Item: source.Item{Prov: source.FileProvenance("file", name), Name: name, Size: int64(len(data))}, Budget: source.NewBudget(source.Limits{})}
	before := h.Mark()
	if err := FS().OpenFS(t.Context(), zr, in, h); err != nil {
		t.Fatal(err)
	}
	source.RescanFS(t.Context(), zr, in.Item.Prov, h.FoundSince(before, name), in.Budget, h)
	return h
}

// place is where a secret was reported: path, line and the attributes
// that name the place.
func places(h *sourcetest.Host) map[string][]string {
	out := map[string][]string{}
	for _, r := range h.Reports {
		var attrs []string
		for _, k := range []string{"paragraph", "slide", "part", "sheet", "cell", "shared_string"} {
			if v, ok := r.Chunk.Prov.Attrs[k]; ok {
				attrs = append(attrs, k+"="+v)
			}
		}
		for _, s := range r.Secrets {
			out[s] = append(out[s], r.Chunk.Prov.Path+" "+strings.Join(attrs, " "))
		}
	}
	return out
}

func check(t *testing.T, h *sourcetest.Host, want map[string]string) {
	t.Helper()
	got := places(h)
	for s, p := range want {
		if !slices.Equal(got[s], []string{p}) {
			t.Errorf("%s… found at %q, want once at %q", s[:5], got[s], p)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d secrets found, want %d: %q", len(got), len(want), got)
	}
	if len(h.Inner) != 0 || len(h.Failures) != 0 {
		t.Errorf("errors %q %q", h.Inner, h.Failures)
	}
}

// TestDocx: a token Word split over runs is found in its paragraph's
// text, which the raw XML does not show whole; one in a run is found once.
func TestDocx(t *testing.T) {
	tok := testutil.FakeTokens(t, 21, 2)
	data := pyZip(t, Docx(
		[]string{"Deploy notes"},
		[]string{"token: ", tok[0][:5], tok[0][5:20], tok[0][20:]},
		[]string{"second ", tok[1]},
	))
	check(t, open(t, "doc.docx", data), map[string]string{
		tok[0]: "doc.docx!word/document.xml paragraph=2",
		tok[1]: "doc.docx!word/document.xml paragraph=3",
	})
}

// TestDocxNested: a text box's paragraphs, tracked deletions, headers.
func TestDocxNested(t *testing.T) {
	tok := testutil.FakeTokens(t, 22, 3)
	doc := `<w:document ` + wNS + `><w:body><w:p><w:r><w:t>outer</w:t></w:r><w:r><w:txbxContent><w:p><w:r><w:t>` +
		tok[0][:9] + `</w:t></w:r><w:r><w:t>` + tok[0][9:] + `</w:t></w:r></w:p></w:txbxContent></w:r><w:r><w:t> after</w:t></w:r></w:p>` +
		`<w:p><w:del><w:r><w:delText>` + tok[1][:4] + `</w:delText></w:r></w:del><w:r><w:delText>` + tok[1][4:] + `</w:delText></w:r></w:p></w:body></w:document>`
	m := map[string]string{"[Content_Types].xml": contentTypes, "word/document.xml": doc,
		"word/header1.xml": `<w:hdr ` + wNS + `><w:p><w:r><w:t>` + tok[2] + `</w:t></w:r></w:p></w:hdr>`}
	check(t, open(t, "doc.docx", pyZip(t, m)), map[string]string{
		tok[0]: "doc.docx!word/document.xml paragraph=2",
		tok[1]: "doc.docx!word/document.xml paragraph=3",
		tok[2]: "doc.docx!word/header1.xml paragraph=1",
	})
}

func TestXlsx(t *testing.T) {
	tok := testutil.FakeTokens(t, 23, 4)
	m := map[string]string{
		"[Content_Types].xml": contentTypes,
		"xl/workbook.xml":     `<workbook ` + sNS + `><sheets><sheet name="Config" sheetId="1" r:id="rId1"/><sheet name="Keys" sheetId="2" r:id="rId2"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="ws" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="ws" Target="/xl/worksheets/sheet7.xml"/></Relationships>`,
		"xl/sharedStrings.xml": `<sst ` + sNS + ` count="4" uniqueCount="4"><si><t>name</t></si><si><r><t>` + tok[0][:6] + `</t></r><r><t>` + tok[0][6:] + `</t></r></si>` +
			`<si><t>plain</t></si><si><t>` + tok[3] + `</t></si></sst>`,
		"xl/worksheets/sheet1.xml": `<worksheet ` + sNS + `><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>42</v></c></row>` +
			"\n" + `<row r="7"><c r="B7" t="s"><v>1</v></c><c r="C7" t="inlineStr"><is><t>` + tok[1] + `</t></is></c></row></sheetData></worksheet>`,
		"xl/worksheets/sheet7.xml": `<worksheet ` + sNS + `><sheetData><row r="2"><c r="D2" t="str"><f>CONCAT("` + tok[2][:10] + `","` + tok[2][10:] + `")</f><v>` + tok[2] + `</v></c><c r="E2" t="s"><v>1</v></c></row></sheetData></worksheet>`,
	}
	h := open(t, "book.xlsx", pyZip(t, m))
	got := places(h)
	want := map[string][]string{
		tok[0]: {"book.xlsx!xl/worksheets/sheet1.xml sheet=Config cell=Config!B7", "book.xlsx!xl/worksheets/sheet7.xml sheet=Keys cell=Keys!E2"},
		tok[1]: {"book.xlsx!xl/worksheets/sheet1.xml sheet=Config cell=Config!C7"},
		tok[2]: {"book.xlsx!xl/worksheets/sheet7.xml sheet=Keys cell=Keys!D2"},
		tok[3]: {"book.xlsx!xl/sharedStrings.xml shared_string=3"},
	}
	for s, w := range want {
		if !slices.Equal(got[s], w) {
			t.Errorf("%s… found at %q, want %q", s[:5], got[s], w)
		}
	}
	if len(got) != len(want) || len(h.Inner) != 0 {
		t.Errorf("found %q, errors %q", got, h.Inner)
	}
	for _, r := range h.Reports {
		if r.Chunk.Prov.Attrs["cell"] == "Config!C7" && r.Chunk.Prov.Line != 2 {
			t.Errorf("C7 on line %d, want 2", r.Chunk.Prov.Line)
		}
	}
}

// TestXlsxWithoutSharedStrings: a workbook of inline strings and numbers
// has no shared strings part (XlsxWriter leaves it out); it is read
// without an error.
func TestXlsxWithoutSharedStrings(t *testing.T) {
	tok := testutil.FakeTokens(t, 24, 1)
	m := map[string]string{
		"[Content_Types].xml": contentTypes,
		"xl/workbook.xml":     `<workbook ` + sNS + `><sheets><sheet name="Only" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="ws" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": `<worksheet ` + sNS + `><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1" t="inlineStr"><is><t>` + tok[0] + `</t></is></c></row></sheetData></worksheet>`,
	}
	check(t, open(t, "book.xlsx", pyZip(t, m)), map[string]string{
		tok[0]: "book.xlsx!xl/worksheets/sheet1.xml sheet=Only cell=Only!B1",
	})
}

func TestPptx(t *testing.T) {
	tok := testutil.FakeTokens(t, 24, 2)
	slide := func(paras ...string) string {
		var b strings.Builder
		b.WriteString(`<p:sld ` + aNS + `><p:cSld><p:spTree><p:sp><p:txBody>`)
		for _, p := range paras {
			b.WriteString("<a:p><a:r><a:t>" + p + "</a:t></a:r></a:p>")
		}
		b.WriteString("</p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
		return b.String()
	}
	m := map[string]string{
		"[Content_Types].xml":             contentTypes,
		"ppt/presentation.xml":            `<p:presentation ` + aNS + `/>`,
		"ppt/slides/slide1.xml":           slide("Title", "Agenda"),
		"ppt/slides/slide2.xml":           slide("Setup", "export HF_TOKEN="+tok[0]),
		"ppt/notesSlides/notesSlide2.xml": slide("say: " + tok[1]),
	}
	check(t, open(t, "talk.pptx", pyZip(t, m)), map[string]string{
		tok[0]: "talk.pptx!ppt/slides/slide2.xml paragraph=2 slide=2",
		tok[1]: "talk.pptx!ppt/notesSlides/notesSlide2.xml paragraph=1 slide=2 part=notes",
	})
}

// TestNegatives: documents without tokens report nothing and no error;
// an embedded file is still handed on as a member.
func TestNegatives(t *testing.T) {
	m := Docx([]string{"hf_", "is a prefix"}, []string{"nothing here"})
	m["word/embeddings/data.bin"] = "embedded"
	h := open(t, "doc.docx", pyZip(t, m))
	check(t, h, map[string]string{})
	var members []string
	for _, mb := range h.Members {
		if !mb.Item.Text {
			members = append(members, mb.Item.Prov.Path)
		}
	}
	if !slices.Contains(members, "doc.docx!word/embeddings/data.bin") || slices.Contains(members, "doc.docx!word/document.xml") {
		t.Errorf("members %q", members)
	}
}

func TestParagraphs(t *testing.T) {
	for _, tc := range []struct {
		xml  string
		want []string
	}{
		{`<w:p><w:r><w:t>a</w:t></w:r><w:r><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t></w:r></w:p>`, []string{"1:a\tb\nc"}},
		{`<w:p></w:p><w:p><w:r><w:t>x</w:t></w:r></w:p>`, []string{"2:x"}},
		{`<w:p><w:r><w:t>cut`, nil},
		{`</w:p><w:t>stray</w:t>`, nil},
	} {
		var got []string
		_ = Paragraphs(strings.NewReader(tc.xml), func(p Paragraph) error {
			got = append(got, strconv.Itoa(p.Index)+":"+string(p.Text))
			return nil
		})
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.xml, got, tc.want)
		}
	}
}

// FuzzText: no XML panics or runs away in any of the readers.
func FuzzText(f *testing.F) {
	f.Add(Docx([]string{"a", "b"})["word/document.xml"])
	f.Add(`<sst><si><r><t>a</t></r><r><t>b</t></r></si></sst>`)
	f.Add(`<worksheet><sheetData><row><c r="A1" t="s"><v>0</v></c><c t="str"><f>x</f><v>y</v></c></row></sheetData></worksheet>`)
	f.Add(`<workbook><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`)
	f.Fuzz(func(t *testing.T, s string) {
		nop := func(Paragraph) error { return nil }
		_ = Paragraphs(strings.NewReader(s), nop)
		_ = SharedStrings(strings.NewReader(s), func(int, []byte) error { return nil })
		_ = Cells(strings.NewReader(s), func(*Cell) error { return nil })
		_, _ = workbookSheets(strings.NewReader(s))
		_, _ = relationships(strings.NewReader(s))
	})
}

package hubsim

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// writeBranch checks write access and that the revision is a branch.
func (r *request) writeBranch() (*repo, principal, string, *response) {
	return r.writeRef(false)
}

// writeRef checks write access and that the revision is a branch or, with
// pr, the ref of an open pull request (refs/pr/{num}: commits may be
// pushed there, nothing else).
func (r *request) writeRef(pr bool) (*repo, principal, string, *response) {
	rp, p, bad := r.repoFor(opWrite)
	if bad != nil {
		return nil, p, "", bad
	}
	if q := r.URL.Query().Get("create_pr"); q == "1" || q == "true" {
		return nil, p, "", errResp(http.StatusBadRequest, "", "hubsim does not simulate pull requests (create_pr)")
	}
	branch := rp.branchName(r.vars.rev)
	if _, isPR := prNumber(branch); isPR && !pr {
		branch = ""
	}
	if branch == "" {
		if rp.resolveRev(r.vars.rev) != nil {
			return nil, p, "", errResp(http.StatusBadRequest, "", "Invalid rev id: "+r.vars.rev+" is not a branch")
		}
		return nil, p, "", errResp(http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+r.vars.rev)
	}
	return rp, p, branch, nil
}

// authorName is who commits for p.
func authorName(p principal) string {
	switch {
	case p.user != nil:
		return p.user.name
	case p.org != nil:
		return p.org.name
	}
	return p.tok.User // an app token commits as its app
}

// hPreupload answers POST /api/{type}s/{repo}/preupload/{rev} {files:
// [{path, size, sample}], gitAttributes?}: "lfs" for what .gitattributes
// (the request's, else the revision's) tracks, for files of 10 MiB or more
// and for binary samples, "regular" otherwise (huggingface_hub
// _commit_api.py _fetch_upload_modes, huggingface.js commit.ts). Regular
// files already in the revision carry their git blob id.
func hPreupload(r *request) *response {
	rp, _, branch, bad := r.writeRef(true)
	if bad != nil {
		return bad
	}
	var in struct {
		Files []struct {
			Path   string `json:"path"`
			Size   *int64 `json:"size"`
			Sample string `json:"sample"`
		} `json:"files"`
		GitAttributes *string `json:"gitAttributes"`
	}
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	type fileMode struct {
		Path         string `json:"path"`
		UploadMode   string `json:"uploadMode"`
		ShouldIgnore bool   `json:"shouldIgnore"`
		OID          string `json:"oid,omitempty"`
	}
	head := rp.commits[rp.refTarget(branch)]
	attrs := ""
	if b := head.files[".gitattributes"]; b != nil {
		attrs = string(b.data)
	}
	if in.GitAttributes != nil {
		attrs = *in.GitAttributes
	}
	out := struct {
		Files []fileMode `json:"files"`
	}{Files: []fileMode{}}
	for _, f := range in.Files {
		if !validPath(f.Path) {
			return errResp(http.StatusBadRequest, "", "Invalid path: "+f.Path)
		}
		sample, err := base64.StdEncoding.DecodeString(f.Sample)
		if f.Size == nil || *f.Size < 0 || err != nil {
			return errResp(http.StatusBadRequest, "", "file "+f.Path+": size and a base64 sample are required")
		}
		fm := fileMode{Path: f.Path, UploadMode: uploadMode(f.Path, *f.Size, sample, attrs)}
		if b := head.files[f.Path]; b != nil && !b.lfs && fm.UploadMode == "regular" {
			fm.OID = b.oid
		}
		out.Files = append(out.Files, fm)
	}
	return jsonResp(http.StatusOK, out)
}

// hCommit answers POST /api/{type}s/{repo}/commit/{rev} with an NDJSON
// body of header, file, lfsFile, deletedFile and deletedFolder lines: it
// makes a real commit on the branch (or pull-request ref). A "file" line
// must not carry what belongs in LFS storage (binary, or 10 MiB or more):
// the Hub refuses it; an "lfsFile" line names an object uploaded through
// the LFS batch API, or already in the repository.
func hCommit(r *request) *response {
	rp, p, branch, bad := r.writeRef(true)
	if bad != nil {
		return bad
	}
	head := rp.commits[rp.refTarget(branch)]
	var header *struct {
		Summary      string `json:"summary"`
		Description  string `json:"description"`
		ParentCommit string `json:"parentCommit"`
	}
	files := cloneFiles(head.files)
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	sc.Buffer(nil, maxBody)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var item struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(line, &item); err != nil {
			return errResp(http.StatusBadRequest, "", "line "+strconv.Itoa(n)+": invalid JSON: "+err.Error())
		}
		var v struct {
			Path     string  `json:"path"`
			Content  *string `json:"content"`
			Encoding string  `json:"encoding"`
			Algo     string  `json:"algo"` // lfsFile
			OID      string  `json:"oid"`  // lfsFile
			Size     *int64  `json:"size"` // lfsFile
		}
		if item.Key != "header" {
			if err := json.Unmarshal(item.Value, &v); err != nil {
				return errResp(http.StatusBadRequest, "", "line "+strconv.Itoa(n)+": invalid value: "+err.Error())
			}
			if !validPath(strings.TrimSuffix(v.Path, "/")) {
				return errResp(http.StatusBadRequest, "", "line "+strconv.Itoa(n)+": invalid path "+v.Path)
			}
		}
		switch item.Key {
		case "header":
			if err := json.Unmarshal(item.Value, &header); err != nil || header == nil {
				return errResp(http.StatusBadRequest, "", "line "+strconv.Itoa(n)+": invalid header")
			}
		case "file":
			if v.Content == nil {
				return errResp(http.StatusBadRequest, "", "line "+strconv.Itoa(n)+": file "+v.Path+" has no content")
			}
			data := []byte(*v.Content)
			switch v.Encoding {
			case "base64":
				var err error
				if data, err = base64.StdEncoding.DecodeString(*v.Content); err != nil {
					return errResp(http.StatusBadRequest, "", "line "+strconv.Itoa(n)+": file "+v.Path+": invalid base64")
				}
			case "", "utf-8":
			default:
				return errResp(http.StatusBadRequest, "", "line "+strconv.Itoa(n)+": unknown encoding "+v.Encoding)
			}
			if len(data) >= lfsThreshold {
				return errResp(http.StatusBadRequest, "", "Your push was rejected because it contains files larger than 10 MiB ("+v.Path+"). Please use LFS storage.")
			}
			if looksBinary(data) {
				return errResp(http.StatusBadRequest, "", "Your push was rejected because it contains binary files ("+v.Path+"). Please use LFS storage for binary files.")
			}
			files[v.Path] = newBlob(data, false)
		case "lfsFile":
			if v.Algo != "" && v.Algo != "sha256" {
				return errResp(http.StatusBadRequest, "", "line "+strconv.Itoa(n)+": unsupported algo "+v.Algo)
			}
			data, ok := rp.lfsObject(v.OID)
			if !ok || (v.Size != nil && *v.Size != int64(len(data))) {
				return errResp(http.StatusBadRequest, "", "Your push was rejected because an LFS pointer pointed to a file that does not exist ("+v.Path+")")
			}
			files[v.Path] = newBlob(data, true)
		case "deletedFile":
			if files[v.Path] == nil {
				return errResp(http.StatusNotFound, "EntryNotFound", "Cannot delete "+v.Path+": entry not found")
			}
			delete(files, v.Path)
		case "deletedFolder":
			prefix := strings.TrimSuffix(v.Path, "/") + "/"
			found := false
			for p := range files {
				if strings.HasPrefix(p, prefix) {
					delete(files, p)
					found = true
				}
			}
			if !found {
				return errResp(http.StatusNotFound, "EntryNotFound", "Cannot delete folder "+v.Path+": entry not found")
			}
		default:
			return errResp(http.StatusBadRequest, "", "line "+strconv.Itoa(n)+": unknown key "+item.Key)
		}
	}
	if err := sc.Err(); err != nil {
		return errResp(http.StatusBadRequest, "", "invalid NDJSON body: "+err.Error())
	}
	switch {
	case header == nil:
		return errResp(http.StatusBadRequest, "", "missing header line")
	case strings.TrimSpace(header.Summary) == "":
		return errResp(http.StatusBadRequest, "", "the commit summary is required")
	case header.ParentCommit != "" && header.ParentCommit != head.id:
		return errResp(http.StatusPreconditionFailed, "", "A commit has happened since. Please refresh and try again.")
	}
	if err := checkNoFileDirClash(files); err != nil {
		return errResp(http.StatusBadRequest, "", err.Error())
	}
	c := &commit{title: header.Summary, message: header.Description, author: authorName(p), date: r.srv.now(), parent: head.id, files: files}
	c.id = commitID(c)
	rp.commits[c.id] = c
	rp.setRef(branch, c.id)
	if n, ok := prNumber(branch); ok {
		rp.prCommitEvent(n, c)
	}
	return jsonResp(http.StatusOK, map[string]any{
		"success":    true,
		"commitOid":  c.id,
		"commitUrl":  r.baseURL() + "/" + rp.urlPrefix() + rp.id + "/commit/" + c.id,
		"hookOutput": "",
	})
}

// hSuperSquash answers POST /api/{type}s/{repo}/super-squash/{branch}
// {"message"}: the branch becomes one root commit with the same files.
func hSuperSquash(r *request) *response {
	rp, p, branch, bad := r.writeBranch()
	if bad != nil {
		return bad
	}
	var in struct {
		Message string `json:"message"`
	}
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	if in.Message == "" {
		in.Message = "Super-squash branch '" + branch + "' using huggingface_hub"
	}
	head := rp.commits[rp.branches[branch]]
	c := &commit{title: in.Message, author: authorName(p), date: r.srv.now(), files: cloneFiles(head.files)}
	c.id = commitID(c)
	rp.commits[c.id] = c
	rp.branches[branch] = c.id
	return jsonResp(http.StatusOK, map[string]any{"success": true, "commitOid": c.id})
}

// hBranchCreate answers POST /api/{type}s/{repo}/branch/{name}
// {startingPoint, emptyBranch, overwrite}.
func hBranchCreate(r *request) *response {
	rp, p, bad := r.repoFor(opWrite)
	if bad != nil {
		return bad
	}
	var in struct {
		StartingPoint string `json:"startingPoint"`
		EmptyBranch   bool   `json:"emptyBranch"`
		Overwrite     bool   `json:"overwrite"`
	}
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	name := r.vars.name
	if !validRefName(name) {
		return errResp(http.StatusBadRequest, "", "Invalid branch name: "+name)
	}
	if _, ok := rp.branches[name]; ok && !in.Overwrite {
		return errResp(http.StatusConflict, "", "Reference already exists")
	}
	if _, ok := rp.gitTags[name]; ok {
		return errResp(http.StatusConflict, "", "A tag with this name already exists")
	}
	var target string
	if in.EmptyBranch {
		c := &commit{title: "Initial commit", author: authorName(p), date: r.srv.now(), files: map[string]*blob{}}
		c.id = commitID(c)
		rp.commits[c.id] = c
		target = c.id
	} else {
		c := rp.resolveRev(cmp(in.StartingPoint, "main"))
		if c == nil {
			return errResp(http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+in.StartingPoint)
		}
		target = c.id
	}
	rp.branches[name] = target
	return jsonResp(http.StatusOK, map[string]any{})
}

// hBranchDelete answers DELETE /api/{type}s/{repo}/branch/{name}.
func hBranchDelete(r *request) *response {
	rp, _, bad := r.repoFor(opWrite)
	if bad != nil {
		return bad
	}
	name := strings.TrimPrefix(r.vars.name, "refs/heads/")
	if name == "main" {
		return errResp(http.StatusForbidden, "", "Cannot delete the default branch")
	}
	if _, ok := rp.branches[name]; !ok {
		return errResp(http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+name)
	}
	delete(rp.branches, name)
	return jsonResp(http.StatusOK, map[string]any{})
}

// hTagCreate answers POST /api/{type}s/{repo}/tag/{rev} {tag, message}.
func hTagCreate(r *request) *response {
	rp, _, bad := r.repoFor(opWrite)
	if bad != nil {
		return bad
	}
	var in struct {
		Tag     string `json:"tag"`
		Message string `json:"message"`
	}
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	c := rp.resolveRev(r.vars.rev)
	if c == nil {
		return errResp(http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+r.vars.rev)
	}
	if !validRefName(in.Tag) {
		return errResp(http.StatusBadRequest, "", "Invalid tag name: "+in.Tag)
	}
	if _, ok := rp.gitTags[in.Tag]; ok {
		return errResp(http.StatusConflict, "", "Reference already exists")
	}
	rp.gitTags[in.Tag] = c.id
	return jsonResp(http.StatusOK, map[string]any{})
}

// hTagDelete answers DELETE /api/{type}s/{repo}/tag/{tag}.
func hTagDelete(r *request) *response {
	rp, _, bad := r.repoFor(opWrite)
	if bad != nil {
		return bad
	}
	name := strings.TrimPrefix(r.vars.name, "refs/tags/")
	if _, ok := rp.gitTags[name]; !ok {
		return errResp(http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+name)
	}
	delete(rp.gitTags, name)
	return jsonResp(http.StatusOK, map[string]any{})
}

var settingKeyRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

type apiSetting struct {
	Value       *string `json:"value,omitempty"`
	Description string  `json:"description,omitempty"`
	UpdatedAt   string  `json:"updatedAt,omitempty"` // absent until the first update
}

// spaceSettings returns the list the request is about: secrets or
// variables.
func (r *request) spaceSettings(rp *repo) *[]*SpaceSetting {
	if r.vars.action == "secrets" {
		return &rp.secrets
	}
	return &rp.variables
}

// settingsResp lists secrets (without values) or variables as the Hub's
// variables endpoint does: {KEY: {value, description, updatedAt}}.
func (r *request) settingsResp(rp *repo) *response {
	out := map[string]apiSetting{}
	for _, kv := range *r.spaceSettings(rp) {
		s := apiSetting{Description: kv.Description}
		if !kv.UpdatedAt.IsZero() {
			s.UpdatedAt = fmtTime(kv.UpdatedAt)
		}
		if r.vars.action == "variables" {
			v := kv.Value
			s.Value = &v
		}
		out[kv.Key] = s
	}
	return jsonResp(http.StatusOK, out)
}

// hSpaceSettingsGet answers GET /api/spaces/{repo}/{secrets,variables}.
func hSpaceSettingsGet(r *request) *response {
	rp, _, bad := r.repoFor(opWrite)
	if bad != nil {
		return bad
	}
	return r.settingsResp(rp)
}

// hSpaceSettingsPost answers POST /api/spaces/{repo}/{secrets,variables}
// {key, value, description}.
func hSpaceSettingsPost(r *request) *response {
	rp, _, bad := r.repoFor(opWrite)
	if bad != nil {
		return bad
	}
	var in SpaceSetting
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	if !settingKeyRe.MatchString(in.Key) {
		return errResp(http.StatusBadRequest, "", "Invalid key: "+in.Key)
	}
	in.UpdatedAt = r.srv.now()
	list := r.spaceSettings(rp)
	*list = upsertSetting(*list, &in)
	return r.settingsResp(rp)
}

// hSpaceSettingsDelete answers DELETE /api/spaces/{repo}/{secrets,variables}
// with a body {key} (or ?key=).
func hSpaceSettingsDelete(r *request) *response {
	rp, _, bad := r.repoFor(opWrite)
	if bad != nil {
		return bad
	}
	var in struct {
		Key string `json:"key"`
	}
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	if in.Key == "" {
		in.Key = r.URL.Query().Get("key")
	}
	list := r.spaceSettings(rp)
	for i, kv := range *list {
		if kv.Key == in.Key {
			*list = append((*list)[:i:i], (*list)[i+1:]...)
			return r.settingsResp(rp)
		}
	}
	return errResp(http.StatusNotFound, "", "No "+strings.TrimSuffix(r.vars.action, "s")+" named "+in.Key)
}

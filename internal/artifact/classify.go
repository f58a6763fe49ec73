package artifact

import "strings"

// Modules whose import alone means code can run or escape when the pickle
// is loaded. A module matches itself and its submodules.
var (
	criticalModules = []string{
		"os", "posix", "nt", "subprocess", "_posixsubprocess", "pty", "runpy", "ctypes", "_ctypes",
		"importlib", "commands", "code", "codeop", "multiprocessing", "pdb", "bdb", "timeit",
		"cProfile", "profile", "trace",
	}
	highModules = []string{
		"sys", "socket", "_socket", "shutil", "webbrowser", "pickle", "_pickle", "marshal", "dill",
		"cloudpickle", "joblib.numpy_pickle_compat", "requests", "urllib", "urllib2", "urllib3",
		"http", "httplib", "ftplib", "smtplib", "telnetlib", "asyncio", "io", "_io", "pathlib",
		"tempfile", "operator", "_operator", "zipimport", "pkgutil", "signal", "gc",
	}
	// Builtins that evaluate code or import modules.
	criticalBuiltins = []string{"eval", "exec", "execfile", "compile", "__import__", "breakpoint"}
	// Builtins that reach attributes, files or the interpreter's state.
	highBuiltins = []string{"getattr", "setattr", "delattr", "open", "file", "globals", "locals", "vars",
		"input", "raw_input", "apply", "reload", "help", "memoryview"}
	// Builtins that only build plain data.
	safeBuiltins = []string{"set", "frozenset", "dict", "list", "tuple", "bytearray", "bytes", "complex",
		"slice", "range", "xrange", "object", "int", "float", "str", "bool", "long", "unicode"}

	// Exact module.name pairs that checkpoints use to rebuild plain data.
	safeNames = map[string][]string{
		"collections":            {"OrderedDict", "defaultdict", "Counter", "deque"},
		"_codecs":                {"encode"},
		"copyreg":                {"_reconstructor"},
		"torch._tensor":          {"_rebuild_from_type_v2"},
		"torch.serialization":    {"_get_layout"},
		"torch":                  {"Size", "device", "dtype", "bfloat16", "float16", "half", "float32", "float", "float64", "double", "int8", "int16", "short", "int32", "int", "int64", "long", "uint8", "bool", "complex64", "complex128", "float8_e4m3fn", "float8_e5m2"},
		"numpy":                  {"ndarray", "dtype"},
		"numpy.core.multiarray":  {"_reconstruct", "scalar"},
		"numpy._core.multiarray": {"_reconstruct", "scalar"},
		"numpy.core.numeric":     {"_frombuffer"},
		"numpy._core.numeric":    {"_frombuffer"},
	}
)

// compatModules maps Python 2 module names to what Python 3 imports for
// them when loading protocol 0-2 pickles.
var compatModules = map[string]string{"__builtin__": "builtins", "copy_reg": "copyreg", "exceptions": "builtins"}

// classify says how bad importing module.name is: an empty severity for an
// allowlisted import, else the severity and the kind of finding.
func classify(module, name string) (severity, kind string) {
	if m, ok := compatModules[module]; ok {
		module = m
	}
	// A dotted name walks attributes from the module: "torch.serialization"
	// plus "os.system" reaches os.system, so the name is judged as a path too.
	modParts, nameParts := strings.Split(module, "."), strings.Split(name, ".")
	all := append(modParts, nameParts...)
	worst := ""
	for i := range all {
		if i > 0 && i < len(modParts) {
			continue // "pandas.io" is not the io module
		}
		switch path := strings.Join(all[i:], "."); {
		case matchModule(path, criticalModules):
			return SeverityCritical, KindUnsafePickle
		case matchModule(path, highModules):
			worst = SeverityHigh
		}
	}
	if module == "builtins" || len(nameParts) > 1 {
		for _, p := range nameParts {
			switch {
			case contains(criticalBuiltins, p):
				return SeverityCritical, KindUnsafePickle
			case contains(highBuiltins, p):
				worst = SeverityHigh
			}
		}
	}
	if worst != "" {
		return worst, KindUnsafePickle
	}
	if module == "builtins" && contains(safeBuiltins, name) {
		return "", ""
	}
	if !strings.Contains(name, ".") && safeName(module, name) {
		return "", ""
	}
	return SeverityMedium, KindSuspiciousPickle
}

func safeName(module, name string) bool {
	if contains(safeNames[module], name) {
		return true
	}
	switch module {
	case "torch":
		return strings.HasSuffix(name, "Storage")
	case "torch._utils":
		return strings.HasPrefix(name, "_rebuild_")
	case "numpy.dtypes":
		return strings.HasSuffix(name, "DType")
	}
	return false
}

// matchModule reports whether mod is one of mods or a submodule of one.
func matchModule(mod string, mods []string) bool {
	for _, m := range mods {
		if mod == m || strings.HasPrefix(mod, m+".") {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

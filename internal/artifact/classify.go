package artifact

import "strings"

// moduleSeverity says how bad importing anything from module m is, judging
// m and each of its parent packages: SeverityCritical for a module whose
// import alone means code can run or escape when the pickle is loaded,
// SeverityHigh for one that reaches the network, files or the interpreter,
// else "".
func moduleSeverity(m string) string {
	worst := ""
	for p := m; p != ""; {
		switch moduleRisk(p) {
		case SeverityCritical:
			return SeverityCritical
		case SeverityHigh:
			worst = SeverityHigh
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return worst
}

// moduleRisk rates one exact module name; moduleSeverity applies it to
// submodules too.
func moduleRisk(m string) string {
	switch m {
	case "os", "posix", "nt", "subprocess", "_posixsubprocess", "pty", "runpy", "ctypes", "_ctypes",
		"importlib", "imp", "commands", "code", "codeop", "multiprocessing", "pdb", "bdb", "timeit",
		"cProfile", "profile", "trace", "pydoc", "doctest", "_winapi", "msvcrt",
		"asyncio.subprocess", "asyncio.unix_events", "asyncio.windows_events", "asyncio.base_subprocess",
		"numpy.testing", "numpy.f2py", "numpy.distutils", "distutils", "setuptools", "pip", "ensurepip",
		"venv", "idlelib", "torch.hub", "torch.utils.cpp_extension", "torch.package":
		return SeverityCritical
	case "sys", "socket", "_socket", "shutil", "webbrowser", "pickle", "_pickle", "marshal", "dill",
		"cloudpickle", "joblib.numpy_pickle_compat", "requests", "urllib", "urllib2", "urllib3",
		"http", "httplib", "ftplib", "smtplib", "telnetlib", "asyncio", "io", "_io", "pathlib",
		"tempfile", "operator", "_operator", "zipimport", "pkgutil", "signal", "gc", "threading",
		"_thread", "logging.config", "zipfile", "tarfile", "sqlite3", "inspect", "platform",
		"shelve", "dbm", "glob", "fileinput", "mmap", "xmlrpc", "socketserver", "ssl", "select",
		"selectors", "site", "sysconfig", "torch.load", "torch.serialization.load", "torch.jit":
		return SeverityHigh
	}
	return ""
}

// nameSeverity rates one attribute name reached from builtins (or through
// a dotted name from anywhere): SeverityCritical for what evaluates code,
// imports modules or builds functions from code, SeverityHigh for what
// reaches attributes, files or the interpreter's state, else "".
func nameSeverity(name string) string {
	switch name {
	case "eval", "exec", "execfile", "compile", "__import__", "breakpoint", "FunctionType", "CodeType",
		"LambdaType", "runstring", "pipepager", "tempfilepager", "pipe_pager", "system", "popen":
		return SeverityCritical
	case "getattr", "setattr", "delattr", "open", "file", "globals", "locals", "vars",
		"input", "raw_input", "apply", "reload", "help", "memoryview", "__getattribute__",
		"__globals__", "__builtins__", "__subclasses__", "__code__", "MethodType":
		return SeverityHigh
	}
	return ""
}

// safeBuiltin reports builtins that only build plain data.
func safeBuiltin(name string) bool {
	switch name {
	case "set", "frozenset", "dict", "list", "tuple", "bytearray", "bytes", "complex",
		"slice", "range", "xrange", "object", "int", "float", "str", "bool", "long", "unicode":
		return true
	}
	return false
}

// compatModule maps a Python 2 module name to what Python 3 imports for it
// when loading protocol 0-2 pickles.
func compatModule(m string) string {
	switch m {
	case "__builtin__", "exceptions":
		return "builtins"
	case "copy_reg":
		return "copyreg"
	}
	return m
}

// classify says how bad importing module.name is: an empty severity for an
// allowlisted import, else the severity and the kind of finding. called
// says the pickle calls the import (REDUCE, OBJ, NEWOBJ, INST or BUILD on
// it): an import outside the allowlist that is called is high, since an
// unknown callable that the loader runs is how code gets executed.
func classify(module, name string, called bool) (severity, kind string) {
	module = compatModule(module)
	// A dotted name walks attributes from the module: "torch.serialization"
	// plus "os.system" reaches os.system, so the name is judged as a path too.
	modParts, nameParts := strings.Split(module, "."), strings.Split(name, ".")
	all := append(modParts, nameParts...)
	worst := ""
	for i := range all {
		if i > 0 && i < len(modParts) {
			continue // "pandas.io" is not the io module
		}
		switch moduleSeverity(strings.Join(all[i:], ".")) {
		case SeverityCritical:
			return SeverityCritical, KindUnsafePickle
		case SeverityHigh:
			worst = SeverityHigh
		}
	}
	if module == "builtins" || module == "types" || len(nameParts) > 1 {
		for _, p := range nameParts {
			switch nameSeverity(p) {
			case SeverityCritical:
				return SeverityCritical, KindUnsafePickle
			case SeverityHigh:
				worst = SeverityHigh
			}
		}
	}
	if worst != "" {
		return worst, KindUnsafePickle
	}
	if module == "builtins" && safeBuiltin(name) {
		return "", ""
	}
	if !strings.Contains(name, ".") && safeName(module, name) {
		return "", ""
	}
	if called {
		return SeverityHigh, KindSuspiciousPickle
	}
	return SeverityMedium, KindSuspiciousPickle
}

// safeName reports the exact module.name pairs that checkpoints use to
// rebuild plain data.
func safeName(module, name string) bool {
	switch module {
	case "collections":
		switch name {
		case "OrderedDict", "defaultdict", "Counter", "deque":
			return true
		}
	case "_codecs":
		return name == "encode"
	case "copyreg":
		return name == "_reconstructor"
	case "torch._tensor":
		return name == "_rebuild_from_type_v2"
	case "torch.serialization":
		return name == "_get_layout"
	case "torch":
		switch name {
		case "Size", "device", "dtype", "bfloat16", "float16", "half", "float32", "float", "float64",
			"double", "int8", "int16", "short", "int32", "int", "int64", "long", "uint8", "bool",
			"complex64", "complex128", "float8_e4m3fn", "float8_e5m2":
			return true
		}
		return strings.HasSuffix(name, "Storage")
	case "torch._utils":
		return strings.HasPrefix(name, "_rebuild_")
	case "numpy":
		return name == "ndarray" || name == "dtype"
	case "numpy.core.multiarray", "numpy._core.multiarray":
		return name == "_reconstruct" || name == "scalar"
	case "numpy.core.numeric", "numpy._core.numeric":
		return name == "_frombuffer"
	case "numpy.dtypes":
		return strings.HasSuffix(name, "DType")
	}
	return false
}

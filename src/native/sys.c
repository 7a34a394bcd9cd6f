/* daemonproxy_sys: the system calls Node lacks (pipe2, socketpair, SCM_RIGHTS, SO_PEERCRED,
 * posix_spawn with an exact fd map, waitpid(-1), prctl, execve) plus uv_poll/uv_signal hooks.
 * Invariants: every fd created here is O_CLOEXEC; failures throw errors carrying errno/code/syscall
 * and message == strerror(errno); EAGAIN on non-blocking I/O returns null. Never fork() (posix_spawn
 * only), never block the event loop, never leak a received fd. Only src/supervisor/sys.ts loads this. */

#include <node_api.h>
#include <uv.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* SCM_MAX_FD in the kernel: the most fds one SCM_RIGHTS message can carry. */
#define MAX_RIGHTS_FDS 253
#define MAX_READ_BYTES (16u * 1024u * 1024u)
#define INLINE_BYTES 256

typedef struct watcher_s watcher_t;

typedef struct {
	napi_ref syserror_ctor;
	char *scratch;
	size_t scratch_len;
	uv_signal_t *sigchld;
	napi_ref sigchld_cb;
	napi_async_context sigchld_ctx;
	watcher_t *watchers;
	int open_handles; /* uv handles whose close callback has not run yet */
	int tearing_down;
	int finalized;
} addon_t;

struct watcher_s {
	uv_poll_t handle;
	napi_env env;
	addon_t *addon;
	napi_ref cb;
	napi_async_context actx;
	int fd;
	int close_requested;
	int handle_closed;
	int js_gone;
	watcher_t *prev, *next;
};

/* ---------- errors ---------- */

static const char *errno_name(int err) {
	const char *name = strerrorname_np(err);
	return name ? name : "EUNKNOWN";
}

static const char *errno_text(int err, char *buf, size_t len) {
	return strerror_r(err, buf, len);
}

static addon_t *get_addon(napi_env env) {
	void *data = NULL;
	napi_get_instance_data(env, &data);
	return data;
}

static napi_value make_errno_error(napi_env env, int err, const char *syscall) {
	char buf[128];
	const char *msg = errno_text(err, buf, sizeof buf);
	napi_value vmsg, vcode, verrno, vsys, error = NULL;
	napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &vmsg);
	napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &vcode);
	napi_create_int32(env, err, &verrno);
	napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &vsys);
	addon_t *addon = get_addon(env);
	if (addon && addon->syserror_ctor) {
		napi_value ctor;
		if (napi_get_reference_value(env, addon->syserror_ctor, &ctor) == napi_ok && ctor) {
			napi_value args[4] = {vmsg, vcode, verrno, vsys};
			if (napi_new_instance(env, ctor, 4, args, &error) != napi_ok)
				error = NULL;
		}
	}
	if (!error) {
		napi_create_error(env, vcode, vmsg, &error);
		napi_set_named_property(env, error, "errno", verrno);
		napi_set_named_property(env, error, "syscall", vsys);
	}
	return error;
}

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
	bool pending = false;
	napi_is_exception_pending(env, &pending);
	if (!pending)
		napi_throw(env, make_errno_error(env, err, syscall));
	return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
	bool pending = false;
	napi_is_exception_pending(env, &pending);
	if (!pending)
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
	return NULL;
}

/* ---------- value helpers ---------- */

static napi_value js_undefined(napi_env env) {
	napi_value v;
	napi_get_undefined(env, &v);
	return v;
}

static napi_value js_null(napi_env env) {
	napi_value v;
	napi_get_null(env, &v);
	return v;
}

static napi_value js_int(napi_env env, int64_t n) {
	napi_value v;
	napi_create_int64(env, n, &v);
	return v;
}

static napi_value js_str(napi_env env, const char *s) {
	napi_value v;
	napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
	return v;
}

static napi_value js_bool(napi_env env, bool b) {
	napi_value v;
	napi_get_boolean(env, b, &v);
	return v;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
	size_t argc = want;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)
		return -1;
	for (size_t i = argc; i < want; i++)
		argv[i] = js_undefined(env);
	return 0;
}

/* Integers only: NaN or 1.5 silently becoming 0 or 1 could close or signal the wrong thing. */
static int arg_int(napi_env env, napi_value v, int32_t *out) {
	napi_valuetype t;
	double d = 0;
	napi_typeof(env, v, &t);
	if (t == napi_number)
		napi_get_value_double(env, v, &d);
	if (t != napi_number || !(d >= INT32_MIN && d <= INT32_MAX) || d != (double)(int32_t)d) {
		throw_type(env, "expected a 32-bit integer");
		return -1;
	}
	*out = (int32_t)d;
	return 0;
}

static int arg_bool(napi_env env, napi_value v, bool *out) {
	napi_valuetype t;
	napi_typeof(env, v, &t);
	if (t == napi_undefined || t == napi_null) {
		*out = false;
		return 0;
	}
	if (t != napi_boolean) {
		throw_type(env, "expected a boolean");
		return -1;
	}
	napi_get_value_bool(env, v, out);
	return 0;
}

static bool is_nullish(napi_env env, napi_value v) {
	napi_valuetype t;
	napi_typeof(env, v, &t);
	return t == napi_undefined || t == napi_null;
}

/* Raw bytes of a latin1 string (one char per byte) or a Uint8Array/Buffer, NUL-terminated. */
typedef struct {
	char *p;
	size_t len;
	char inl[INLINE_BYTES];
} bytes_t;

static int get_bytes(napi_env env, napi_value v, bytes_t *b) {
	napi_valuetype t;
	b->p = NULL;
	b->len = 0;
	napi_typeof(env, v, &t);
	if (t == napi_string) {
		size_t len = 0;
		napi_get_value_string_latin1(env, v, NULL, 0, &len);
		b->p = len < sizeof b->inl ? b->inl : malloc(len + 1);
		if (!b->p) {
			throw_errno(env, ENOMEM, "malloc");
			return -1;
		}
		napi_get_value_string_latin1(env, v, b->p, len + 1, &b->len);
		b->p[b->len] = 0;
		return 0;
	}
	bool is_ta = false;
	napi_is_typedarray(env, v, &is_ta);
	if (is_ta) {
		napi_typedarray_type tt;
		size_t len;
		void *data;
		napi_get_typedarray_info(env, v, &tt, &len, &data, NULL, NULL);
		if (tt == napi_uint8_array || tt == napi_int8_array || tt == napi_uint8_clamped_array) {
			b->p = len < sizeof b->inl ? b->inl : malloc(len + 1);
			if (!b->p) {
				throw_errno(env, ENOMEM, "malloc");
				return -1;
			}
			if (len)
				memcpy(b->p, data, len);
			b->p[len] = 0;
			b->len = len;
			return 0;
		}
	}
	throw_type(env, "expected a latin1 string or a Buffer");
	return -1;
}

static void free_bytes(bytes_t *b) {
	if (b->p && b->p != b->inl)
		free(b->p);
	b->p = NULL;
}

/* A path-like argument: bytes without an embedded NUL (else EINVAL, as the kernel would truncate). */
static int get_cstr(napi_env env, napi_value v, bytes_t *b, const char *syscall) {
	if (get_bytes(env, v, b))
		return -1;
	if (memchr(b->p, 0, b->len)) {
		free_bytes(b);
		throw_errno(env, EINVAL, syscall);
		return -1;
	}
	return 0;
}

static void free_strv(char **v) {
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* A JS array of string|Buffer → malloc'd NULL-terminated char*[] (each without embedded NUL). */
static char **get_strv(napi_env env, napi_value arr, const char *syscall) {
	bool is_arr = false;
	napi_is_array(env, arr, &is_arr);
	if (!is_arr) {
		throw_type(env, "expected an array");
		return NULL;
	}
	uint32_t n = 0;
	napi_get_array_length(env, arr, &n);
	char **v = calloc((size_t)n + 1, sizeof *v);
	if (!v) {
		throw_errno(env, ENOMEM, "malloc");
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		napi_value el;
		bytes_t b;
		napi_get_element(env, arr, i, &el);
		if (get_cstr(env, el, &b, syscall)) {
			free_strv(v);
			return NULL;
		}
		v[i] = malloc(b.len + 1);
		if (!v[i]) {
			free_bytes(&b);
			free_strv(v);
			throw_errno(env, ENOMEM, "malloc");
			return NULL;
		}
		memcpy(v[i], b.p, b.len + 1);
		free_bytes(&b);
	}
	return v;
}

/* ---------- fds ---------- */

static napi_value fd_pair(napi_env env, int a, int b) {
	napi_value arr;
	napi_create_array_with_length(env, 2, &arr);
	napi_set_element(env, arr, 0, js_int(env, a));
	napi_set_element(env, arr, 1, js_int(env, b));
	return arr;
}

static napi_value f_pipe(napi_env env, napi_callback_info info) {
	(void)info;
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return throw_errno(env, errno, "pipe");
	return fd_pair(env, p[0], p[1]);
}

static napi_value f_socketpair(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t type;
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &type))
		return NULL;
	int sv[2];
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv))
		return throw_errno(env, errno, "socketpair");
	return fd_pair(env, sv[0], sv[1]);
}

/* open(path, oflags, mode): oflags are the OS O_* bits, computed by sys.ts from `constants`. */
static napi_value f_open(napi_env env, napi_callback_info info) {
	napi_value argv[3];
	int32_t flags, mode;
	bytes_t path;
	if (get_args(env, info, 3, argv) || arg_int(env, argv[1], &flags) || arg_int(env, argv[2], &mode))
		return NULL;
	if (get_cstr(env, argv[0], &path, "open"))
		return NULL;
	int fd;
	do
		fd = open(path.p, flags | O_CLOEXEC | O_NOCTTY, (mode_t)mode);
	while (fd < 0 && errno == EINTR);
	int err = errno;
	free_bytes(&path);
	if (fd < 0)
		return throw_errno(env, err, "open");
	return js_int(env, fd);
}

/* mkdir(path, mode): one directory, one attempt; the caller walks the path (os/make-directories.ts). */
static napi_value f_mkdir(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int32_t mode;
	bytes_t path;
	if (get_args(env, info, 2, argv) || arg_int(env, argv[1], &mode))
		return NULL;
	if (get_cstr(env, argv[0], &path, "mkdir"))
		return NULL;
	int rc;
	do
		rc = mkdir(path.p, (mode_t)mode);
	while (rc < 0 && errno == EINTR);
	int err = errno;
	free_bytes(&path);
	if (rc < 0)
		return throw_errno(env, err, "mkdir");
	return NULL;
}

static napi_value f_close(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t fd;
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &fd))
		return NULL;
	/* Linux always releases the fd, even on EINTR: never retry close. */
	if (close(fd) && errno != EINTR)
		return throw_errno(env, errno, "close");
	return NULL;
}

static napi_value f_dup_cloexec(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int32_t fd, min;
	if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &fd) || arg_int(env, argv[1], &min))
		return NULL;
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, min);
	if (nfd < 0)
		return throw_errno(env, errno, "fcntl");
	return js_int(env, nfd);
}

/* Turn one bit of an fd's status flags (F_GETFL) or descriptor flags (F_GETFD) on or off. */
static napi_value set_fd_bit(napi_env env, napi_callback_info info, int get_cmd, int set_cmd, int bit) {
	napi_value argv[2];
	int32_t fd;
	bool on;
	if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &fd) || arg_bool(env, argv[1], &on))
		return NULL;
	int fl = fcntl(fd, get_cmd);
	if (fl < 0)
		return throw_errno(env, errno, "fcntl");
	int nfl = on ? (fl | bit) : (fl & ~bit);
	if (nfl != fl && fcntl(fd, set_cmd, nfl))
		return throw_errno(env, errno, "fcntl");
	return NULL;
}

static napi_value f_set_nonblock(napi_env env, napi_callback_info info) {
	return set_fd_bit(env, info, F_GETFL, F_SETFL, O_NONBLOCK);
}

static napi_value f_set_cloexec(napi_env env, napi_callback_info info) {
	return set_fd_bit(env, info, F_GETFD, F_SETFD, FD_CLOEXEC);
}

static napi_value f_get_cloexec(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t fd;
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &fd))
		return NULL;
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0)
		return throw_errno(env, errno, "fcntl");
	return js_bool(env, (fl & FD_CLOEXEC) != 0);
}

static napi_value f_probe(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t fd;
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &fd))
		return NULL;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0) {
		if (errno == EBADF)
			return js_null(env);
		return throw_errno(env, errno, "fcntl");
	}
	struct stat st;
	if (fstat(fd, &st)) {
		if (errno == EBADF)
			return js_null(env);
		return throw_errno(env, errno, "fstat");
	}
	napi_value o;
	napi_create_object(env, &o);
	int acc = fl & O_ACCMODE;
	napi_set_named_property(env, o, "access",
		js_str(env, acc == O_RDWR ? "read,write" : acc == O_WRONLY ? "write" : "read"));
	napi_set_named_property(env, o, "append", js_bool(env, (fl & O_APPEND) != 0));
	napi_set_named_property(env, o, "nonblock", js_bool(env, (fl & O_NONBLOCK) != 0));
	const char *kind = S_ISREG(st.st_mode) ? "file"
		: S_ISDIR(st.st_mode) ? "dir"
		: S_ISFIFO(st.st_mode) ? "fifo"
		: S_ISSOCK(st.st_mode) ? "socket"
		: S_ISCHR(st.st_mode) ? "chr"
		: S_ISBLK(st.st_mode) ? "blk"
		: "other";
	napi_set_named_property(env, o, "kind", js_str(env, kind));
	if (S_ISSOCK(st.st_mode)) {
		int domain = -1, type = -1;
		socklen_t len = sizeof domain;
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len))
			domain = -1;
		len = sizeof type;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len))
			type = -1;
		napi_value s;
		napi_create_object(env, &s);
		napi_set_named_property(env, s, "domain", js_str(env, domain == AF_UNIX ? "unix"
			: domain == AF_INET ? "inet" : domain == AF_INET6 ? "inet6" : "other"));
		napi_set_named_property(env, s, "type", js_str(env, type == SOCK_STREAM ? "stream"
			: type == SOCK_DGRAM ? "dgram" : type == SOCK_SEQPACKET ? "seqpacket" : "other"));
		napi_set_named_property(env, o, "socket", s);
	}
	return o;
}

static int cmp_int(const void *a, const void *b) {
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static napi_value f_list_open_fds(napi_env env, napi_callback_info info) {
	(void)info;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return throw_errno(env, errno, "opendir");
	int self = dirfd(d);
	size_t n = 0, cap = 64;
	int *fds = malloc(cap * sizeof *fds);
	if (!fds) {
		closedir(d);
		return throw_errno(env, ENOMEM, "malloc");
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		int fd = atoi(e->d_name);
		if (fd == self)
			continue;
		if (n == cap) {
			int *nf = realloc(fds, cap * 2 * sizeof *fds);
			if (!nf) {
				free(fds);
				closedir(d);
				return throw_errno(env, ENOMEM, "malloc");
			}
			fds = nf;
			cap *= 2;
		}
		fds[n++] = fd;
	}
	closedir(d);
	qsort(fds, n, sizeof *fds, cmp_int);
	napi_value arr;
	napi_create_array_with_length(env, n, &arr);
	for (size_t i = 0; i < n; i++)
		napi_set_element(env, arr, (uint32_t)i, js_int(env, fds[i]));
	free(fds);
	return arr;
}

/* ---------- sockets ---------- */

static napi_value f_socket(napi_env env, napi_callback_info info) {
	napi_value argv[3];
	int32_t domain, type;
	bool nonblock;
	if (get_args(env, info, 3, argv) || arg_int(env, argv[0], &domain) || arg_int(env, argv[1], &type)
		|| arg_bool(env, argv[2], &nonblock))
		return NULL;
	int fd = socket(domain, type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return throw_errno(env, errno, "socket");
	return js_int(env, fd);
}

static napi_value f_set_reuse_addr(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t fd;
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &fd))
		return NULL;
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one))
		return throw_errno(env, errno, "setsockopt");
	return NULL;
}

/* Leading NUL = Linux abstract name (the whole sun_path may be used); otherwise a path of at most
 * 107 bytes (room for the terminating NUL). */
static int unix_addr(napi_env env, napi_value v, struct sockaddr_un *sa, socklen_t *len, const char *syscall) {
	bytes_t b;
	if (get_bytes(env, v, &b))
		return -1;
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	bool abstract = b.len > 0 && b.p[0] == 0;
	if (b.len > sizeof sa->sun_path - (abstract ? 0 : 1)) {
		free_bytes(&b);
		throw_errno(env, ENAMETOOLONG, syscall);
		return -1;
	}
	if (!abstract && memchr(b.p, 0, b.len)) {
		free_bytes(&b);
		throw_errno(env, EINVAL, syscall);
		return -1;
	}
	memcpy(sa->sun_path, b.p, b.len);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + b.len + (abstract ? 0 : 1));
	free_bytes(&b);
	return 0;
}

/* bindUnix(fd, address, mode|null). With a mode, the socket's inode gets it before bind: Linux
 * creates a path socket with the bound socket's mode minus the umask, so the file is never more
 * open than asked, not even for the instant before a chmod. */
static napi_value f_bind_unix(napi_env env, napi_callback_info info) {
	napi_value argv[3];
	int32_t fd, mode = -1;
	struct sockaddr_un sa;
	socklen_t len;
	if (get_args(env, info, 3, argv) || arg_int(env, argv[0], &fd) || unix_addr(env, argv[1], &sa, &len, "bind"))
		return NULL;
	if (!is_nullish(env, argv[2]) && arg_int(env, argv[2], &mode))
		return NULL;
	if (mode >= 0 && fchmod(fd, (mode_t)(mode & 07777)))
		return throw_errno(env, errno, "fchmod");
	if (bind(fd, (struct sockaddr *)&sa, len))
		return throw_errno(env, errno, "bind");
	return NULL;
}

static napi_value f_connect_unix(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int32_t fd;
	struct sockaddr_un sa;
	socklen_t len;
	if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &fd) || unix_addr(env, argv[1], &sa, &len, "connect"))
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, len))
		return throw_errno(env, errno, "connect");
	return NULL;
}

/* connectAbstract(name): a new AF_UNIX stream socket connected to the Linux abstract name `name`
 * (no leading NUL; a NUL inside: EINVAL) with the exact address length, offsetof(sun_path) + 1 +
 * len, as `daemonproxy -S @name`, socat and systemd bind it. (Node pads the address to the whole
 * sun_path, which is another name.) Non-blocking from the start: an AF_UNIX connect() completes at
 * once or fails, EAGAIN when the listener's backlog is full, so it never blocks the loop. */
static napi_value f_connect_abstract(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	bytes_t name;
	struct sockaddr_un sa;
	if (get_args(env, info, 1, argv) || get_cstr(env, argv[0], &name, "connect"))
		return NULL;
	if (name.len > sizeof sa.sun_path - 1) {
		free_bytes(&name);
		return throw_errno(env, ENAMETOOLONG, "connect");
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, name.p, name.len);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + name.len);
	free_bytes(&name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return throw_errno(env, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, len)) {
		int err = errno;
		close(fd);
		return throw_errno(env, err, "connect");
	}
	return js_int(env, fd);
}

static napi_value bind_inet_common(napi_env env, napi_callback_info info, int family) {
	napi_value argv[3];
	int32_t fd, port;
	bytes_t addr;
	if (get_args(env, info, 3, argv) || arg_int(env, argv[0], &fd) || arg_int(env, argv[2], &port))
		return NULL;
	if (port < 0 || port > 65535)
		return throw_errno(env, EINVAL, "bind");
	if (get_cstr(env, argv[1], &addr, "inet_pton"))
		return NULL;
	int rc;
	if (family == AF_INET) {
		struct sockaddr_in sa;
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr.p, &sa.sin_addr) != 1) {
			free_bytes(&addr);
			return throw_errno(env, EINVAL, "inet_pton");
		}
		rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	} else {
		struct sockaddr_in6 sa;
		memset(&sa, 0, sizeof sa);
		sa.sin6_family = AF_INET6;
		sa.sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr.p, &sa.sin6_addr) != 1) {
			free_bytes(&addr);
			return throw_errno(env, EINVAL, "inet_pton");
		}
		rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	}
	int err = errno;
	free_bytes(&addr);
	if (rc)
		return throw_errno(env, err, "bind");
	return NULL;
}

static napi_value f_bind_inet(napi_env env, napi_callback_info info) {
	return bind_inet_common(env, info, AF_INET);
}

static napi_value f_bind_inet6(napi_env env, napi_callback_info info) {
	return bind_inet_common(env, info, AF_INET6);
}

static napi_value f_listen(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int32_t fd, backlog;
	if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &fd) || arg_int(env, argv[1], &backlog))
		return NULL;
	if (listen(fd, backlog))
		return throw_errno(env, errno, "listen");
	return NULL;
}

static napi_value f_accept(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t fd;
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &fd))
		return NULL;
	int c;
	/* ECONNABORTED: a queued connection was reset before we took it; the next one may be fine. */
	do
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	while (c < 0 && (errno == EINTR || errno == ECONNABORTED));
	if (c < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return js_null(env);
		return throw_errno(env, errno, "accept");
	}
	return js_int(env, c);
}

static napi_value f_peer_cred(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t fd;
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &fd))
		return NULL;
	struct ucred cr;
	socklen_t len = sizeof cr;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return throw_errno(env, errno, "getsockopt");
	napi_value o;
	napi_create_object(env, &o);
	napi_set_named_property(env, o, "pid", js_int(env, cr.pid));
	napi_set_named_property(env, o, "uid", js_int(env, cr.uid));
	napi_set_named_property(env, o, "gid", js_int(env, cr.gid));
	return o;
}

static napi_value f_shutdown(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int32_t fd, how;
	if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &fd) || arg_int(env, argv[1], &how))
		return NULL;
	if (shutdown(fd, how))
		return throw_errno(env, errno, "shutdown");
	return NULL;
}

/* ---------- recv / send ---------- */

static void close_fds(const int *fds, size_t n) {
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/* recv(fd, maxBytes, mode): mode 0 = try recvmsg, fall back to read() on ENOTSOCK; 1 = socket
 * (recvmsg only); 2 = plain read(). Returns {data, fds} | null (EAGAIN). */
static napi_value f_recv(napi_env env, napi_callback_info info) {
	napi_value argv[3];
	int32_t fd, max, mode;
	if (get_args(env, info, 3, argv) || arg_int(env, argv[0], &fd) || arg_int(env, argv[1], &max)
		|| arg_int(env, argv[2], &mode))
		return NULL;
	if (max <= 0 || (uint32_t)max > MAX_READ_BYTES)
		return throw_errno(env, EINVAL, "recv");
	addon_t *addon = get_addon(env);
	if (addon->scratch_len < (size_t)max) {
		char *p = realloc(addon->scratch, (size_t)max);
		if (!p)
			return throw_errno(env, ENOMEM, "malloc");
		addon->scratch = p;
		addon->scratch_len = (size_t)max;
	}
	int fds[MAX_RIGHTS_FDS + 8];
	size_t nfds = 0;
	ssize_t n = -1;
	bool sock = mode != 2;
	if (sock) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * MAX_RIGHTS_FDS) + CMSG_SPACE(sizeof(struct ucred)) + 64];
		} ctl;
		struct iovec iov = {addon->scratch, (size_t)max};
		struct msghdr msg;
		memset(&msg, 0, sizeof msg);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof ctl.buf;
		do
			n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n >= 0) {
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
				if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
					continue;
				size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				const unsigned char *d = CMSG_DATA(c);
				for (size_t i = 0; i < k; i++) {
					int rfd;
					memcpy(&rfd, d + i * sizeof(int), sizeof(int));
					if (nfds < sizeof fds / sizeof fds[0])
						fds[nfds++] = rfd;
					else
						close(rfd);
				}
			}
		} else if (errno == ENOTSOCK && mode == 0) {
			sock = false;
		}
	}
	if (!sock) {
		do
			n = read(fd, addon->scratch, (size_t)max);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return js_null(env);
		return throw_errno(env, errno, sock ? "recvmsg" : "read");
	}
	napi_value o, data, arr;
	if (napi_create_object(env, &o) != napi_ok
		|| napi_create_buffer_copy(env, (size_t)n, addon->scratch, NULL, &data) != napi_ok
		|| napi_create_array_with_length(env, nfds, &arr) != napi_ok) {
		close_fds(fds, nfds);
		return throw_errno(env, ENOMEM, "recv");
	}
	for (size_t i = 0; i < nfds; i++)
		napi_set_element(env, arr, (uint32_t)i, js_int(env, fds[i]));
	napi_set_named_property(env, o, "data", data);
	napi_set_named_property(env, o, "fds", arr);
	return o;
}

/* send(fd, data, fds|null, mode): mode as for recv. Returns bytes written | null (EAGAIN). */
static napi_value f_send(napi_env env, napi_callback_info info) {
	napi_value argv[4];
	int32_t fd, mode;
	if (get_args(env, info, 4, argv) || arg_int(env, argv[0], &fd) || arg_int(env, argv[3], &mode))
		return NULL;
	bool is_ta = false;
	napi_is_typedarray(env, argv[1], &is_ta);
	if (!is_ta)
		return throw_type(env, "send: data must be a Uint8Array");
	napi_typedarray_type tt;
	size_t len;
	void *data;
	napi_get_typedarray_info(env, argv[1], &tt, &len, &data, NULL, NULL);
	if (tt != napi_uint8_array)
		return throw_type(env, "send: data must be a Uint8Array");
	int fds[MAX_RIGHTS_FDS];
	uint32_t nfds = 0;
	if (!is_nullish(env, argv[2])) {
		bool is_arr = false;
		napi_is_array(env, argv[2], &is_arr);
		if (!is_arr)
			return throw_type(env, "send: fds must be an array");
		napi_get_array_length(env, argv[2], &nfds);
		if (nfds > MAX_RIGHTS_FDS)
			return throw_errno(env, EINVAL, "sendmsg");
		for (uint32_t i = 0; i < nfds; i++) {
			napi_value el;
			napi_get_element(env, argv[2], i, &el);
			if (arg_int(env, el, &fds[i]))
				return NULL;
		}
	}
	ssize_t n = -1;
	bool sock = mode != 2;
	if (sock) {
		if (nfds > 0 && len == 0) {
			/* A stream socket silently drops rights sent with no data: refuse instead. */
			int type = 0;
			socklen_t tl = sizeof type;
			if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM)
				return throw_errno(env, EINVAL, "sendmsg");
		}
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * MAX_RIGHTS_FDS)];
		} ctl;
		struct iovec iov = {data, len};
		struct msghdr msg;
		memset(&msg, 0, sizeof msg);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (nfds > 0) {
			memset(ctl.buf, 0, CMSG_SPACE(sizeof(int) * nfds));
			msg.msg_control = ctl.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		}
		do
			n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno == ENOTSOCK && mode == 0 && nfds == 0)
			sock = false;
	}
	if (!sock) {
		do
			n = write(fd, data, len);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return js_null(env);
		return throw_errno(env, errno, sock ? "sendmsg" : "write");
	}
	return js_int(env, n);
}

/* ---------- processes ---------- */

/* Every signal 1..64 but KILL/STOP, set bit by bit: sigaddset refuses glibc's internal signals
 * (SIGCANCEL 32, SIGSETXID 33), and posix_spawn sets those to SIG_IGN in the child (where the
 * setting survives exec) unless they are in the POSIX_SPAWN_SETSIGDEF set. */
static void add_all_catchable(sigset_t *set) {
	unsigned long *words = (unsigned long *)(void *)set;
	const unsigned bits = 8 * sizeof(unsigned long);
	for (unsigned s = 1; s <= 64 && (s - 1) / bits < sizeof(sigset_t) / sizeof(unsigned long); s++)
		if (s != SIGKILL && s != SIGSTOP)
			words[(s - 1) / bits] |= 1UL << ((s - 1) % bits);
}

/* spawn(file, argv, fds, env|null, newSession) → pid. */
static napi_value f_spawn(napi_env env, napi_callback_info info) {
	napi_value argv[5];
	if (get_args(env, info, 5, argv))
		return NULL;
	bool new_session;
	if (arg_bool(env, argv[4], &new_session))
		return NULL;
	bool is_arr = false;
	napi_is_array(env, argv[2], &is_arr);
	if (!is_arr)
		return throw_type(env, "spawn: fds must be an array");
	uint32_t n = 0;
	napi_get_array_length(env, argv[2], &n);
	if (n > 4096)
		return throw_errno(env, EINVAL, "spawn");
	int *map = calloc(n ? n : 1, sizeof *map);
	int *tmp = calloc(n ? n : 1, sizeof *tmp);
	char **cargv = NULL, **cenv = NULL;
	bytes_t file = {0};
	napi_value result = NULL;
	int err = 0;
	bool fa_init = false, attr_init = false;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	if (!map || !tmp) {
		throw_errno(env, ENOMEM, "malloc");
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		tmp[i] = -1;
	for (uint32_t i = 0; i < n; i++) {
		napi_value el;
		napi_get_element(env, argv[2], i, &el);
		if (arg_int(env, el, &map[i]))
			goto out;
		if (map[i] < -1) {
			throw_type(env, "spawn: fds entries must be >= -1");
			goto out;
		}
	}
	if (get_cstr(env, argv[0], &file, "spawn"))
		goto out;
	if (!(cargv = get_strv(env, argv[1], "spawn")))
		goto out;
	if (!is_nullish(env, argv[3]) && !(cenv = get_strv(env, argv[3], "spawn")))
		goto out;
	/* A source fd below n could be overwritten by an earlier dup2 in the child: move it above n
	 * first (CLOEXEC, closed again below). The same dup serves every position naming that fd. */
	for (uint32_t i = 0; i < n; i++) {
		int src = map[i];
		if (src < 0 || (uint32_t)src >= n)
			continue;
		int moved = -1;
		for (uint32_t j = 0; j < i; j++)
			if (tmp[j] >= 0 && map[j] == src) {
				moved = tmp[j];
				break;
			}
		if (moved < 0) {
			moved = fcntl(src, F_DUPFD_CLOEXEC, (int)n);
			if (moved < 0) {
				throw_errno(env, errno, "spawn");
				goto out;
			}
		}
		tmp[i] = moved;
	}
	if ((err = posix_spawn_file_actions_init(&fa)))
		goto fail;
	fa_init = true;
	for (uint32_t i = 0; i < n; i++) {
		int src = tmp[i] >= 0 ? tmp[i] : map[i];
		if (src < 0)
			err = posix_spawn_file_actions_addclose(&fa, (int)i);
		else
			err = posix_spawn_file_actions_adddup2(&fa, src, (int)i);
		if (err)
			goto fail;
	}
	if ((err = posix_spawn_file_actions_addclosefrom_np(&fa, (int)n)))
		goto fail;
	if ((err = posix_spawnattr_init(&attr)))
		goto fail;
	attr_init = true;
	sigset_t def, none;
	sigemptyset(&def);
	sigemptyset(&none);
	add_all_catchable(&def);
	if ((err = posix_spawnattr_setsigdefault(&attr, &def)) || (err = posix_spawnattr_setsigmask(&attr, &none)))
		goto fail;
	short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (new_session ? POSIX_SPAWN_SETSID : 0);
	if ((err = posix_spawnattr_setflags(&attr, flags)))
		goto fail;
	pid_t pid;
	err = posix_spawnp(&pid, file.p, &fa, &attr, cargv, cenv ? cenv : environ);
	if (err)
		goto fail;
	result = js_int(env, pid);
	goto out;
fail:
	throw_errno(env, err, "spawn");
out:
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_init)
		posix_spawnattr_destroy(&attr);
	if (map && tmp) {
		/* close each temporary once (positions naming the same source share one); tmp is all -1
		 * until a dup is made, but only once both arrays exist: calloc's zeros would mean fd 0 */
		for (uint32_t i = 0; i < n; i++) {
			bool first = tmp[i] >= 0;
			for (uint32_t j = 0; first && j < i; j++)
				if (tmp[j] == tmp[i])
					first = false;
			if (first)
				close(tmp[i]);
		}
	}
	free(map);
	free(tmp);
	free_bytes(&file);
	free_strv(cargv);
	free_strv(cenv);
	return result;
}

static napi_value f_reap(napi_env env, napi_callback_info info) {
	(void)info;
	napi_value arr;
	napi_create_array(env, &arr);
	uint32_t k = 0;
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break; /* 0: none ready; ECHILD: no children at all */
		napi_value o;
		napi_create_object(env, &o);
		napi_set_named_property(env, o, "pid", js_int(env, pid));
		if (WIFEXITED(status)) {
			napi_set_named_property(env, o, "code", js_int(env, WEXITSTATUS(status)));
			napi_set_named_property(env, o, "signal", js_null(env));
		} else {
			napi_set_named_property(env, o, "code", js_null(env));
			napi_set_named_property(env, o, "signal", js_int(env, WIFSIGNALED(status) ? WTERMSIG(status) : 0));
		}
		napi_set_element(env, arr, k++, o);
	}
	return arr;
}

static napi_value f_kill(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int32_t pid, sig;
	if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &pid) || arg_int(env, argv[1], &sig))
		return NULL;
	if (kill(pid, sig))
		return throw_errno(env, errno, "kill");
	return NULL;
}

/* execvp(file, argv, env|null): reset dispositions and mask, let fds 0-2 survive (Node marks them
 * FD_CLOEXEC at startup: uv_disable_stdio_inheritance), exec; on failure restore all three. */
static napi_value f_execvp(napi_env env, napi_callback_info info) {
	napi_value argv[3];
	if (get_args(env, info, 3, argv))
		return NULL;
	bytes_t file;
	char **cargv = NULL, **cenv = NULL;
	if (get_cstr(env, argv[0], &file, "execvp"))
		return NULL;
	if (!(cargv = get_strv(env, argv[1], "execvp")))
		goto out;
	if (!is_nullish(env, argv[2]) && !(cenv = get_strv(env, argv[2], "execvp")))
		goto out;
	{
		static struct sigaction saved[NSIG];
		static bool have[NSIG];
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		sigset_t none, oldmask;
		sigemptyset(&none);
		for (int s = 1; s < NSIG; s++)
			have[s] = s != SIGKILL && s != SIGSTOP && sigaction(s, &dfl, &saved[s]) == 0;
		pthread_sigmask(SIG_SETMASK, &none, &oldmask);
		int fdflags[3];
		for (int fd = 0; fd < 3; fd++) {
			fdflags[fd] = fcntl(fd, F_GETFD);
			if (fdflags[fd] >= 0 && (fdflags[fd] & FD_CLOEXEC))
				fcntl(fd, F_SETFD, fdflags[fd] & ~FD_CLOEXEC);
		}
		if (cenv)
			execvpe(file.p, cargv, cenv);
		else
			execvp(file.p, cargv);
		int err = errno;
		for (int fd = 0; fd < 3; fd++)
			if (fdflags[fd] >= 0)
				fcntl(fd, F_SETFD, fdflags[fd]);
		for (int s = 1; s < NSIG; s++)
			if (have[s])
				sigaction(s, &saved[s], NULL);
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
		throw_errno(env, err, "execvp");
	}
out:
	free_bytes(&file);
	free_strv(cargv);
	free_strv(cenv);
	return NULL;
}

static napi_value f_set_child_subreaper(napi_env env, napi_callback_info info) {
	(void)info;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		return throw_errno(env, errno, "prctl");
	return NULL;
}

/* prctl(PR_SET_NAME): the name in /proc/PID/comm that ps -o comm, pidof and pgrep show; the
 * kernel keeps at most 15 bytes. Called from the main thread, whose name is the process's. */
static napi_value f_set_process_name(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	bytes_t name;
	if (get_args(env, info, 1, argv) || get_cstr(env, argv[0], &name, "prctl"))
		return NULL;
	int rc = prctl(PR_SET_NAME, (unsigned long)name.p, 0, 0, 0);
	int err = errno;
	free_bytes(&name);
	if (rc)
		return throw_errno(env, err, "prctl");
	return NULL;
}

static napi_value f_mlockall(napi_env env, napi_callback_info info) {
	(void)info;
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		return throw_errno(env, errno, "mlockall");
	return NULL;
}

/* mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT): lock pages as they are touched, without populating
 * every mapping now (V8 maps large regions it may never use). */
static napi_value f_mlockall_onfault(napi_env env, napi_callback_info info) {
	(void)info;
#ifdef MCL_ONFAULT
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
		return throw_errno(env, errno, "mlockall");
	return NULL;
#else
	return throw_errno(env, EINVAL, "mlockall");
#endif
}

static napi_value f_setsid(napi_env env, napi_callback_info info) {
	(void)info;
	pid_t s = setsid();
	if (s < 0)
		return throw_errno(env, errno, "setsid");
	return js_int(env, s);
}

static napi_value f_chdir(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	bytes_t path;
	if (get_args(env, info, 1, argv) || get_cstr(env, argv[0], &path, "chdir"))
		return NULL;
	int rc = chdir(path.p);
	int err = errno;
	free_bytes(&path);
	if (rc)
		return throw_errno(env, err, "chdir");
	return NULL;
}

/* dup2(old, new) as dup3(…, O_CLOEXEC); old == new only checks that old is open. */
static napi_value f_dup2(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int32_t from, to;
	if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &from) || arg_int(env, argv[1], &to))
		return NULL;
	if (from == to) {
		if (fcntl(from, F_GETFD) < 0)
			return throw_errno(env, errno, "dup2");
		return NULL;
	}
	int rc;
	do
		rc = dup3(from, to, O_CLOEXEC);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return throw_errno(env, errno, "dup2");
	return NULL;
}

static napi_value f_strerror(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t err;
	char buf[128];
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &err))
		return NULL;
	return js_str(env, errno_text(err, buf, sizeof buf));
}

static napi_value f_errno_name(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t err;
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &err))
		return NULL;
	return js_str(env, errno_name(err));
}

/* inetPton(family, text): whether inet_pton() accepts text as an address of family (AF_INET or
 * AF_INET6). The check fd.socket makes before it binds, with the parser that bind will use. */
static napi_value f_inet_pton(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int32_t family;
	bytes_t text;
	if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &family))
		return NULL;
	if (family != AF_INET && family != AF_INET6)
		return throw_errno(env, EAFNOSUPPORT, "inet_pton");
	if (get_cstr(env, argv[1], &text, "inet_pton"))
		return NULL;
	struct in6_addr addr; /* large enough for either family */
	int ok = inet_pton(family, text.p, &addr) == 1;
	free_bytes(&text);
	return js_bool(env, ok);
}

/* randomBytes(n): n (1..256) bytes from getrandom(2). Never blocks: before the kernel's pool is
 * initialised (early boot, as process 1) it takes GRND_INSECURE bytes, which is what a stream id
 * needs (unique, not secret). node:crypto would do, at 2 MB of resident memory for one call. */
static napi_value f_random_bytes(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t n;
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &n))
		return NULL;
	if (n < 1 || n > 256)
		return throw_errno(env, EINVAL, "getrandom");
	unsigned char buf[256];
	ssize_t got;
	do
		got = getrandom(buf, (size_t)n, GRND_NONBLOCK);
	while (got < 0 && errno == EINTR);
	if (got < 0 && errno == EAGAIN)
		got = getrandom(buf, (size_t)n, GRND_INSECURE);
	if (got < 0)
		return throw_errno(env, errno, "getrandom");
	if (got != n)
		return throw_errno(env, EIO, "getrandom");
	napi_value result;
	if (napi_create_buffer_copy(env, (size_t)n, buf, NULL, &result) != napi_ok)
		return throw_errno(env, ENOMEM, "napi_create_buffer_copy");
	return result;
}

static napi_value f_set_error_class(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	if (get_args(env, info, 1, argv))
		return NULL;
	addon_t *addon = get_addon(env);
	if (addon->syserror_ctor)
		napi_delete_reference(env, addon->syserror_ctor);
	addon->syserror_ctor = NULL;
	napi_create_reference(env, argv[0], 1, &addon->syserror_ctor);
	return NULL;
}

/* ---------- calling JS from libuv callbacks ---------- */

static void call_js(napi_env env, napi_async_context actx, napi_ref fn_ref, size_t argc, napi_value *args) {
	napi_handle_scope scope;
	if (napi_open_handle_scope(env, &scope) != napi_ok)
		return;
	napi_value fn, recv, res;
	if (napi_get_reference_value(env, fn_ref, &fn) == napi_ok && fn) {
		napi_get_global(env, &recv); /* napi_make_callback needs an object receiver */
		napi_status st = napi_make_callback(env, actx, recv, fn, argc, args, &res);
		if (st == napi_pending_exception) {
			napi_value exc;
			napi_get_and_clear_last_exception(env, &exc);
			napi_fatal_exception(env, exc);
		}
	}
	napi_close_handle_scope(env, scope);
}

/* ---------- Watcher (uv_poll_t) ---------- */

static void watcher_unlink(watcher_t *w) {
	if (w->prev)
		w->prev->next = w->next;
	else if (w->addon->watchers == w)
		w->addon->watchers = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

static void watcher_release_js(watcher_t *w) {
	if (!w->addon->tearing_down) {
		if (w->cb)
			napi_delete_reference(w->env, w->cb);
		if (w->actx)
			napi_async_destroy(w->env, w->actx);
	}
	w->cb = NULL;
	w->actx = NULL;
}

/* The addon struct lives until its env is finalized and every handle has finished closing. */
static void addon_handle_closed(addon_t *addon) {
	if (--addon->open_handles == 0 && addon->finalized)
		free(addon);
}

static void watcher_on_close(uv_handle_t *h) {
	watcher_t *w = h->data;
	addon_t *addon = w->addon;
	w->handle_closed = 1;
	watcher_release_js(w);
	if (w->js_gone)
		free(w);
	addon_handle_closed(addon);
}

static void watcher_request_close(watcher_t *w) {
	if (w->close_requested)
		return;
	w->close_requested = 1;
	watcher_unlink(w);
	uv_close((uv_handle_t *)&w->handle, watcher_on_close);
}

static void watcher_finalize(napi_env env, void *data, void *hint) {
	(void)env;
	(void)hint;
	watcher_t *w = data;
	w->js_gone = 1;
	if (!w->close_requested)
		watcher_request_close(w);
	else if (w->handle_closed)
		free(w);
}

static void watcher_poll_cb(uv_poll_t *h, int status, int events) {
	watcher_t *w = h->data;
	if (w->close_requested || w->addon->tearing_down || !w->cb)
		return;
	napi_env env = w->env;
	napi_handle_scope scope;
	if (napi_open_handle_scope(env, &scope) != napi_ok)
		return;
	napi_value args[3];
	args[0] = js_bool(env, status == 0 && (events & (UV_READABLE | UV_DISCONNECT)) != 0);
	args[1] = js_bool(env, status == 0 && (events & UV_WRITABLE) != 0);
	args[2] = js_int(env, status < 0 ? -status : 0);
	call_js(env, w->actx, w->cb, 3, args);
	napi_close_handle_scope(env, scope);
}

static watcher_t *get_watcher(napi_env env, napi_value v) {
	void *p = NULL;
	if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
		throw_type(env, "expected a watcher handle");
		return NULL;
	}
	return p;
}

/* watcherOpen(fd, callback(readable, writable, errno)) → external. uv_poll_init sets O_NONBLOCK. */
static napi_value f_watcher_open(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int32_t fd;
	if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &fd))
		return NULL;
	napi_valuetype t;
	napi_typeof(env, argv[1], &t);
	if (t != napi_function)
		return throw_type(env, "watcher: callback must be a function");
	uv_loop_t *loop;
	if (napi_get_uv_event_loop(env, &loop) != napi_ok)
		return throw_errno(env, EINVAL, "uv_poll_init");
	watcher_t *w = calloc(1, sizeof *w);
	if (!w)
		return throw_errno(env, ENOMEM, "malloc");
	int rc = uv_poll_init(loop, &w->handle, fd);
	if (rc) {
		free(w);
		return throw_errno(env, -rc, "uv_poll_init");
	}
	w->handle.data = w;
	w->env = env;
	w->addon = get_addon(env);
	w->addon->open_handles++;
	w->fd = fd;
	napi_create_reference(env, argv[1], 1, &w->cb);
	napi_async_init(env, NULL, js_str(env, "daemonproxy.Watcher"), &w->actx);
	w->next = w->addon->watchers;
	if (w->next)
		w->next->prev = w;
	w->addon->watchers = w;
	napi_value ext;
	if (napi_create_external(env, w, watcher_finalize, NULL, &ext) != napi_ok) {
		w->js_gone = 1;
		watcher_request_close(w);
		return throw_errno(env, ENOMEM, "napi_create_external");
	}
	return ext;
}

static napi_value f_watcher_start(napi_env env, napi_callback_info info) {
	napi_value argv[3];
	bool rd, wr;
	if (get_args(env, info, 3, argv) || arg_bool(env, argv[1], &rd) || arg_bool(env, argv[2], &wr))
		return NULL;
	watcher_t *w = get_watcher(env, argv[0]);
	if (!w)
		return NULL;
	if (w->close_requested)
		return NULL;
	int rc;
	if (!rd && !wr)
		rc = uv_poll_stop(&w->handle);
	else
		rc = uv_poll_start(&w->handle, (rd ? UV_READABLE : 0) | (wr ? UV_WRITABLE : 0), watcher_poll_cb);
	if (rc)
		return throw_errno(env, -rc, "uv_poll_start");
	return NULL;
}

static napi_value f_watcher_close(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	if (get_args(env, info, 1, argv))
		return NULL;
	watcher_t *w = get_watcher(env, argv[0]);
	if (!w)
		return NULL;
	watcher_request_close(w);
	return NULL;
}

/* ---------- SIGCHLD (uv_signal_t, unref'd) ---------- */

typedef struct {
	uv_signal_t sig;
	napi_env env;
	addon_t *addon;
} sigchld_t;

static void sigchld_on_close(uv_handle_t *h) {
	addon_t *addon = ((sigchld_t *)h)->addon;
	free(h);
	addon_handle_closed(addon);
}

static void sigchld_fire(uv_signal_t *h, int signum) {
	(void)signum;
	sigchld_t *s = (sigchld_t *)h;
	if (s->addon->tearing_down || !s->addon->sigchld_cb)
		return;
	call_js(s->env, s->addon->sigchld_ctx, s->addon->sigchld_cb, 0, NULL);
}

/* onSigchld(callback): installs one unref'd uv_signal_t for SIGCHLD; later calls replace the callback. */
static napi_value f_on_sigchld(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	if (get_args(env, info, 1, argv))
		return NULL;
	napi_valuetype t;
	napi_typeof(env, argv[0], &t);
	if (t != napi_function)
		return throw_type(env, "onSigchld: callback must be a function");
	addon_t *addon = get_addon(env);
	if (!addon->sigchld) {
		uv_loop_t *loop;
		if (napi_get_uv_event_loop(env, &loop) != napi_ok)
			return throw_errno(env, EINVAL, "uv_signal_init");
		sigchld_t *s = calloc(1, sizeof *s);
		if (!s)
			return throw_errno(env, ENOMEM, "malloc");
		s->env = env;
		s->addon = addon;
		int rc = uv_signal_init(loop, &s->sig);
		if (rc) {
			free(s);
			return throw_errno(env, -rc, "uv_signal_init");
		}
		addon->open_handles++;
		rc = uv_signal_start(&s->sig, sigchld_fire, SIGCHLD);
		if (rc) {
			uv_close((uv_handle_t *)&s->sig, sigchld_on_close);
			return throw_errno(env, -rc, "uv_signal_start");
		}
		uv_unref((uv_handle_t *)&s->sig);
		addon->sigchld = &s->sig;
		napi_async_init(env, NULL, js_str(env, "daemonproxy.SIGCHLD"), &addon->sigchld_ctx);
	}
	if (addon->sigchld_cb)
		napi_delete_reference(env, addon->sigchld_cb);
	napi_create_reference(env, argv[0], 1, &addon->sigchld_cb);
	return NULL;
}

/* ---------- fatal signals (daemonproxy(8), SIGNALS) ----------
 * SIGABRT, SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP get one sigaction handler (SA_SIGINFO, on an
 * alternate stack). Sent by another process with kill(2)/sigqueue(3): the handler only records the
 * signal and wakes the loop (uv_async_send is async-signal-safe); JavaScript then takes the fatal
 * path (guard, exec-on-exit, exit 4). Anything else (a real fault, abort(3), a signal the
 * process sent itself) cannot return to JavaScript safely: the handler writes
 * "fatal: Received signal SIG<NAME> (<N>)" to the prepared log descriptor, execs the prepared
 * exec-on-exit vector if there is one, and otherwise _exit(4). Only async-signal-safe calls. */

#define FATAL_ENV_EXTRA 3 /* DAEMONPROXY_EXITCODE, DAEMONPROXY_ERROR, NULL */

static struct {
	uv_async_t *async;
	napi_env env;
	napi_ref cb;
	napi_async_context actx;
	volatile int log_fd;
	char *file;  /* NULL: no exec-on-exit */
	char **argv;
	char **envp; /* prepared entries, then FATAL_ENV_EXTRA free slots */
	size_t envc;
} fatal;
static volatile uint64_t fatal_pending; /* bit (sig - 1): kill-sent signals not yet handed to JS */
static char fatal_exitcode_var[] = "DAEMONPROXY_EXITCODE=4";
static char fatal_error_var[64];

static const char *fatal_name(int sig) {
	switch (sig) {
	case SIGABRT: return "SIGABRT";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGTRAP: return "SIGTRAP";
	default: return "SIG-?";
	}
}

/* "Received signal SIGSEGV (11)" into buf (async-signal-safe); returns its length. */
static size_t fatal_message(char *buf, size_t size, int sig) {
	size_t n = 0;
	const char *parts[] = {"Received signal ", fatal_name(sig), " ("};
	for (size_t i = 0; i < 3; i++)
		for (const char *p = parts[i]; *p && n + 1 < size; p++)
			buf[n++] = *p;
	char digits[12];
	size_t d = 0;
	unsigned v = (unsigned)sig;
	do
		digits[d++] = (char)('0' + v % 10);
	while ((v /= 10) && d < sizeof digits);
	while (d && n + 1 < size)
		buf[n++] = digits[--d];
	if (n + 1 < size)
		buf[n++] = ')';
	buf[n] = 0;
	return n;
}

/* One write that never blocks: MSG_DONTWAIT on a socket (its description may be blocking), else
 * write(2) (the log's private pipe/tty writer is non-blocking; regular files do not block). */
static void fatal_write(int fd, const char *buf, size_t len) {
	ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno == ENOTSOCK) {
		n = write(fd, buf, len);
		(void)n;
	}
}

static void fatal_handler(int sig, siginfo_t *si, void *uctx) {
	(void)uctx;
	int saved = errno;
	bool sent = si && (si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL) && si->si_pid != getpid();
	if (sent && fatal.async && sig >= 1 && sig <= 64) {
		__atomic_fetch_or(&fatal_pending, (uint64_t)1 << (sig - 1), __ATOMIC_SEQ_CST);
		uv_async_send(fatal.async);
		errno = saved;
		return;
	}
	static const char prefix[] = "fatal: ";
	const char *var = "DAEMONPROXY_ERROR=";
	size_t vn = strlen(var);
	memcpy(fatal_error_var, var, vn);
	size_t mn = fatal_message(fatal_error_var + vn, sizeof fatal_error_var - vn, sig);
	int fd = fatal.log_fd;
	if (fd >= 0) {
		char line[96];
		memcpy(line, prefix, sizeof prefix - 1);
		memcpy(line + sizeof prefix - 1, fatal_error_var + vn, mn);
		line[sizeof prefix - 1 + mn] = '\n';
		fatal_write(fd, line, sizeof prefix + mn);
	}
	if (fatal.file) {
		static const char warn[] = "warning: daemonproxy exec_on_exit after a fatal signal\n";
		if (fd >= 0)
			fatal_write(fd, warn, sizeof warn - 1);
		fatal.envp[fatal.envc] = fatal_exitcode_var;
		fatal.envp[fatal.envc + 1] = fatal_error_var;
		fatal.envp[fatal.envc + 2] = NULL;
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		for (int s = 1; s < NSIG; s++)
			if (s != SIGKILL && s != SIGSTOP)
				sigaction(s, &dfl, NULL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int f = 0; f < 3; f++) {
			int fl = fcntl(f, F_GETFD);
			if (fl >= 0)
				fcntl(f, F_SETFD, fl & ~FD_CLOEXEC);
		}
		execvpe(fatal.file, fatal.argv, fatal.envp);
		static const char failed[] = "error: Unable to exec the exec-on-exit program after a fatal signal\n";
		if (fd >= 0)
			fatal_write(fd, failed, sizeof failed - 1);
	}
	_exit(4);
}

static void fatal_async_cb(uv_async_t *h) {
	(void)h;
	uint64_t bits = __atomic_exchange_n(&fatal_pending, 0, __ATOMIC_SEQ_CST);
	if (!fatal.cb)
		return;
	for (int sig = 1; sig <= 64; sig++) {
		if (!(bits & ((uint64_t)1 << (sig - 1))))
			continue;
		napi_handle_scope scope;
		if (napi_open_handle_scope(fatal.env, &scope) != napi_ok)
			return;
		napi_value arg = js_int(fatal.env, sig);
		call_js(fatal.env, fatal.actx, fatal.cb, 1, &arg);
		napi_close_handle_scope(fatal.env, scope);
	}
}

static void fatal_async_closed(uv_handle_t *h) {
	free(h);
}

/* fatalSignals(signals[], callback(sig)): install the handler (once; a later call replaces the callback). */
static napi_value f_fatal_signals(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	if (get_args(env, info, 2, argv))
		return NULL;
	napi_valuetype t;
	napi_typeof(env, argv[1], &t);
	if (t != napi_function)
		return throw_type(env, "fatalSignals: callback must be a function");
	bool is_arr = false;
	napi_is_array(env, argv[0], &is_arr);
	if (!is_arr)
		return throw_type(env, "fatalSignals: signals must be an array");
	if (!fatal.async) {
		uv_loop_t *loop;
		if (napi_get_uv_event_loop(env, &loop) != napi_ok)
			return throw_errno(env, EINVAL, "uv_async_init");
		uv_async_t *a = calloc(1, sizeof *a);
		if (!a)
			return throw_errno(env, ENOMEM, "malloc");
		int rc = uv_async_init(loop, a, fatal_async_cb);
		if (rc) {
			free(a);
			return throw_errno(env, -rc, "uv_async_init");
		}
		uv_unref((uv_handle_t *)a);
		fatal.env = env;
		fatal.log_fd = 2;
		napi_async_init(env, NULL, js_str(env, "daemonproxy.fatalSignal"), &fatal.actx);
		/* A fault on a exhausted stack still runs the handler. */
		static char altstack[64 * 1024];
		stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
		sigaltstack(&ss, NULL);
		fatal.async = a;
	}
	if (fatal.cb)
		napi_delete_reference(env, fatal.cb);
	napi_create_reference(env, argv[1], 1, &fatal.cb);
	uint32_t n = 0;
	napi_get_array_length(env, argv[0], &n);
	for (uint32_t i = 0; i < n; i++) {
		napi_value el;
		int32_t sig;
		napi_get_element(env, argv[0], i, &el);
		if (arg_int(env, el, &sig))
			return NULL;
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = fatal_handler;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
		sigfillset(&sa.sa_mask);
		if (sigaction(sig, &sa, NULL))
			return throw_errno(env, errno, "sigaction");
	}
	return NULL;
}

/* fatalExec(file|null, argv, env): the vector the handler execs (env: without the two variables it adds). */
static napi_value f_fatal_exec(napi_env env, napi_callback_info info) {
	napi_value argv[3];
	if (get_args(env, info, 3, argv))
		return NULL;
	char *file = NULL, **cargv = NULL, **cenv = NULL;
	size_t envc = 0;
	if (!is_nullish(env, argv[0])) {
		bytes_t b;
		if (get_cstr(env, argv[0], &b, "fatalExec"))
			return NULL;
		file = strdup(b.p);
		free_bytes(&b);
		if (!(cargv = get_strv(env, argv[1], "fatalExec")))
			goto fail;
		char **given = get_strv(env, argv[2], "fatalExec");
		if (!given)
			goto fail;
		while (given[envc])
			envc++;
		cenv = calloc(envc + FATAL_ENV_EXTRA, sizeof *cenv);
		if (!cenv) {
			free_strv(given);
			throw_errno(env, ENOMEM, "malloc");
			goto fail;
		}
		memcpy(cenv, given, envc * sizeof *cenv);
		free(given); /* the strings now belong to cenv */
	}
	/* Block the fatal signals while swapping, so the handler never sees half an update. */
	sigset_t block, old;
	sigemptyset(&block);
	int sigs[] = {SIGABRT, SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&block, sigs[i]);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	char *old_file = fatal.file, **old_argv = fatal.argv, **old_env = fatal.envp;
	fatal.file = file;
	fatal.argv = cargv;
	fatal.envp = cenv;
	fatal.envc = envc;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(old_file);
	free_strv(old_argv);
	if (old_env) {
		for (char **e = old_env; *e; e++)
			if (*e == fatal_exitcode_var || *e == fatal_error_var)
				*e = NULL;
		free_strv(old_env);
	}
	return NULL;
fail:
	free(file);
	free_strv(cargv);
	return NULL;
}

/* fatalLogFd(fd): where the handler writes its fatal line (-1: nowhere). */
static napi_value f_fatal_log_fd(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	int32_t fd;
	if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &fd))
		return NULL;
	fatal.log_fd = fd;
	return NULL;
}

/* ---------- module ---------- */

static void addon_cleanup(void *arg) {
	addon_t *addon = arg;
	addon->tearing_down = 1;
	while (addon->watchers)
		watcher_request_close(addon->watchers);
	if (addon->sigchld) {
		uv_close((uv_handle_t *)addon->sigchld, sigchld_on_close);
		addon->sigchld = NULL;
	}
	if (fatal.async) {
		uv_close((uv_handle_t *)fatal.async, fatal_async_closed);
		fatal.async = NULL;
		fatal.cb = NULL;
	}
}

static void addon_finalize(napi_env env, void *data, void *hint) {
	(void)env;
	(void)hint;
	addon_t *addon = data;
	free(addon->scratch);
	addon->scratch = NULL;
	addon->scratch_len = 0;
	addon->finalized = 1;
	if (addon->open_handles == 0)
		free(addon);
}

static void set_const(napi_env env, napi_value obj, const char *name, int64_t v) {
	napi_set_named_property(env, obj, name, js_int(env, v));
}

NAPI_MODULE_INIT() {
	addon_t *addon = calloc(1, sizeof *addon);
	if (!addon)
		return throw_errno(env, ENOMEM, "malloc");
	napi_set_instance_data(env, addon, addon_finalize, NULL);
	napi_add_env_cleanup_hook(env, addon_cleanup, addon);

	napi_property_descriptor fns[] = {
#define FN(name, f) {name, NULL, f, NULL, NULL, NULL, napi_default, NULL}
		FN("pipe", f_pipe),
		FN("socketpair", f_socketpair),
		FN("open", f_open),
		FN("close", f_close),
		FN("mkdir", f_mkdir),
		FN("dupCloexec", f_dup_cloexec),
		FN("setNonblock", f_set_nonblock),
		FN("setCloexec", f_set_cloexec),
		FN("getCloexec", f_get_cloexec),
		FN("probe", f_probe),
		FN("listOpenFds", f_list_open_fds),
		FN("socket", f_socket),
		FN("setReuseAddr", f_set_reuse_addr),
		FN("bindUnix", f_bind_unix),
		FN("bindInet", f_bind_inet),
		FN("bindInet6", f_bind_inet6),
		FN("listen", f_listen),
		FN("accept", f_accept),
		FN("connectUnix", f_connect_unix),
		FN("connectAbstract", f_connect_abstract),
		FN("peerCred", f_peer_cred),
		FN("recv", f_recv),
		FN("send", f_send),
		FN("shutdown", f_shutdown),
		FN("watcherOpen", f_watcher_open),
		FN("watcherStart", f_watcher_start),
		FN("watcherClose", f_watcher_close),
		FN("spawn", f_spawn),
		FN("reap", f_reap),
		FN("onSigchld", f_on_sigchld),
		FN("kill", f_kill),
		FN("execvp", f_execvp),
		FN("setChildSubreaper", f_set_child_subreaper),
		FN("setProcessName", f_set_process_name),
		FN("mlockall", f_mlockall),
		FN("setsid", f_setsid),
		FN("chdir", f_chdir),
		FN("dup2", f_dup2),
		FN("mlockallOnFault", f_mlockall_onfault),
		FN("fatalSignals", f_fatal_signals),
		FN("fatalExec", f_fatal_exec),
		FN("fatalLogFd", f_fatal_log_fd),
		FN("inetPton", f_inet_pton),
		FN("randomBytes", f_random_bytes),
		FN("strerror", f_strerror),
		FN("errnoName", f_errno_name),
		FN("setErrorClass", f_set_error_class),
#undef FN
	};
	napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);

	napi_value c;
	napi_create_object(env, &c);
	set_const(env, c, "O_RDONLY", O_RDONLY);
	set_const(env, c, "O_WRONLY", O_WRONLY);
	set_const(env, c, "O_RDWR", O_RDWR);
	set_const(env, c, "O_APPEND", O_APPEND);
	set_const(env, c, "O_CREAT", O_CREAT);
	set_const(env, c, "O_TRUNC", O_TRUNC);
	set_const(env, c, "O_NONBLOCK", O_NONBLOCK);
	set_const(env, c, "AF_UNIX", AF_UNIX);
	set_const(env, c, "AF_INET", AF_INET);
	set_const(env, c, "AF_INET6", AF_INET6);
	set_const(env, c, "SOCK_STREAM", SOCK_STREAM);
	set_const(env, c, "SOCK_DGRAM", SOCK_DGRAM);
	set_const(env, c, "SOCK_SEQPACKET", SOCK_SEQPACKET);
	set_const(env, c, "SHUT_RD", SHUT_RD);
	set_const(env, c, "SHUT_WR", SHUT_WR);
	set_const(env, c, "SHUT_RDWR", SHUT_RDWR);
	set_const(env, c, "EAGAIN", EAGAIN);
	set_const(env, c, "EPERM", EPERM);
	set_const(env, c, "PIPE_BUF", PIPE_BUF);
	napi_set_named_property(env, exports, "constants", c);
	return exports;
}

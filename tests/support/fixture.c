#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

const char *fx_lathe_bin(void)
{
	const char *b = getenv("LATHE_BIN");
	return b && *b ? b : "./lathe";
}

const char *fx_src_dir(void)
{
	const char *s = getenv("LATHE_SRC");
	return s && *s ? s : ".";
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void quiet(const char *m) { (void)m; }

static int server_up(void)
{
	jack_set_error_function(quiet);
	jack_set_info_function(quiet);
	jack_status_t st;
	jack_client_t *c = jack_client_open("fx-probe", JackNoStartServer, &st);
	if (!c)
		return 0;
	jack_client_close(c);
	return 1;
}

int fx_realtime_allowed(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		struct sched_param sp = { .sched_priority = 10 };
		_exit(sched_setscheduler(0, SCHED_FIFO, &sp) == 0 ? 0 : 1);
	}
	int st = 1;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Forks `jackd ... -n f->server -d dummy`; its pid. */
static pid_t spawn_jackd(const fixture *f, int rate, int period)
{
	setenv("JACK_DEFAULT_SERVER", f->server, 1);
	setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* a test that fails (or crashes) takes its server with it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* jackd's own words (a client "was not finished", a refused connection)
	 * go to a log beside lathe's, appended over the suite's restarts */
	char log[96];
	snprintf(log, sizeof log, "/tmp/lathe-test-%d-jackd.log", (int)getppid());
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	dup2(fd, 2);
	char r[16], p[16];
	snprintf(r, sizeof r, "%d", rate);
	snprintf(p, sizeof p, "%d", period);
	if (f->realtime)
		execlp("jackd", "jackd", "-R", "-P", "70", "-n", f->server, "-d", "dummy", "-r", r, "-p", p, (char *)NULL);
	if (getenv("LATHE_JACK_DEBUG"))
		execlp("jackd", "jackd", "-v", "--no-realtime", "-n", f->server, "-d", "dummy", "-r", r, "-p", p, (char *)NULL);
	execlp("jackd", "jackd", "--no-realtime", "-n", f->server, "-d", "dummy", "-r", r, "-p", p, (char *)NULL);
	_exit(127);
}

int fx_jackd_start(fixture *f, int rate, int period)
{
	/* Without a name from the caller, one of a few fixed names: a server killed
	 * with SIGKILL leaves its entry in JACK's registry (8 slots), and jackd only
	 * reclaims a dead entry of its own name.  The search starts at pid % 6 and a
	 * start that fails (a test beside this one took the name in between) tries
	 * again, until FX_DEADLINE_MS: suites run side by side on a busy machine. */
	int pick = !f->server[0];
	f->rate = rate;
	f->period = period;
	for (int t = 0, k = (int)(getpid() % 6); t < FX_DEADLINE_MS; t += 100, k++) {
		if (pick) {
			for (int tries = 0; tries < 6; tries++, k++) {
				snprintf(f->server, sizeof f->server, "lathe-test-%d", k % 6);
				setenv("JACK_DEFAULT_SERVER", f->server, 1);
				if (!server_up())
					break;
			}
		}
		pid_t pid = spawn_jackd(f, rate, period);
		if (pid < 0)
			return -1;
		f->jackd = pid;
		for (; t < FX_DEADLINE_MS; t += 50) {
			if (waitpid(pid, NULL, WNOHANG) == pid) { /* gave up: the name in use, a full registry */
				f->jackd = 0;
				break;
			}
			/* up, and ours: a server of the same name started by someone else
			 * makes ours exit at once */
			if (server_up()) {
				msleep(100);
				if (waitpid(pid, NULL, WNOHANG) == 0)
					return 0;
				f->jackd = 0;
				break;
			}
			msleep(50);
		}
		msleep(100);
	}
	return -1;
}

void fx_jackd_stop(fixture *f, int sig)
{
	if (f->jackd <= 0)
		return;
	kill(f->jackd, sig);
	for (int t = 0; t < FX_DEADLINE_MS; t += 30) {
		if (waitpid(f->jackd, NULL, WNOHANG) == f->jackd) {
			f->jackd = 0;
			break;
		}
		msleep(30);
	}
	if (f->jackd > 0) {
		kill(f->jackd, SIGKILL);
		waitpid(f->jackd, NULL, 0);
		f->jackd = 0;
	}
	/* a killed jackd leaves its sockets: remove them so the next one starts clean */
	msleep(100);
}

int fx_wait_port(const char *port, int ms)
{
	jack_status_t st;
	jack_client_t *c = NULL;
	for (int t = 0; t < ms; t += 50) {
		if (!c)
			c = jack_client_open("fx-watch", JackNoStartServer, &st);
		if (c && jack_port_by_name(c, port)) {
			jack_client_close(c);
			return 0;
		}
		msleep(50);
	}
	if (c)
		jack_client_close(c);
	return -1;
}

int fx_connected(const char *a, const char *b)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "jack_lsp -c %s", a);
	char *out = fx_run(cmd);
	int ok = out && strstr(out, b) != NULL;
	free(out);
	return ok;
}

int fx_wait_connected(const char *const *pairs, int ms)
{
	for (int t = 0; t < ms; t += 50) {
		int ok = 1;
		for (int k = 0; ok && pairs[k]; k += 2)
			ok = fx_connected(pairs[k], pairs[k + 1]);
		if (ok)
			return t;
		msleep(50);
	}
	return -1;
}

int fx_lathe_start(fixture *f, const char *name, const char *const *args)
{
	snprintf(f->lathe_name, sizeof f->lathe_name, "%s", name);
	snprintf(f->log, sizeof f->log, "/tmp/lathe-test-%d-%s.log", (int)getpid(), name);
	if (!f->home[0]) {
		snprintf(f->home, sizeof f->home, "/tmp/lathe-test-%d-home", (int)getpid());
		mkdir(f->home, 0755);
	}
	const char *argv[64];
	int n = 0;
	argv[n++] = fx_lathe_bin();
	argv[n++] = "headless";
	argv[n++] = "--jack-name";
	argv[n++] = name;
	for (int i = 0; args && args[i] && n < 62; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		char dir[200];
		snprintf(dir, sizeof dir, "%s/state", f->home);
		setenv("XDG_STATE_HOME", dir, 1);
		snprintf(dir, sizeof dir, "%s/data", f->home);
		setenv("XDG_DATA_HOME", dir, 1);
		int fd = open(f->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	f->lathe = pid;
	if (f->jackd > 0) {
		char port[96];
		snprintf(port, sizeof port, "%s:out_L", name);
		return fx_wait_port(port, FX_DEADLINE_MS);
	}
	msleep(300);
	return 0;
}

int fx_lathe_stop(fixture *f)
{
	if (f->lathe <= 0)
		return -1;
	kill(f->lathe, SIGTERM);
	int status = 0;
	for (int t = 0; t < FX_DEADLINE_MS; t += 30) {
		if (waitpid(f->lathe, &status, WNOHANG) == f->lathe) {
			f->lathe = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		msleep(30);
	}
	kill(f->lathe, SIGKILL);
	waitpid(f->lathe, NULL, 0);
	f->lathe = 0;
	return -1;
}

char *fx_run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t k;
	while ((k = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += k;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	buf[len] = 0;
	pclose(p);
	return buf;
}

struct fx_client {
	jack_client_t *c;
	jack_port_t *out[2], *in[2];
	const float *pl, *pr;      /* what to play, `len` frames, looped */
	size_t len, ppos;
	float *rl, *rr;            /* where to record, `n` frames */
	size_t n, rpos;
	_Atomic int running;       /* 1 while playing/recording */
	int offline;               /* runs in freewheel (fx_client_offline) */
	_Atomic int freewheeling;  /* the server's state (fx_freewheel_watch) */
	unsigned fw_cycles;        /* cycles since the freewheel began (RT thread) */
};

static void on_freewheel(int starting, void *arg)
{
	atomic_store((_Atomic int *)arg, starting ? 1 : 0);
}

void fx_freewheel_watch(jack_client_t *c, _Atomic int *state)
{
	atomic_store(state, 0);
	jack_set_freewheel_callback(c, on_freewheel, (void *)state);
}

int fx_freewheel(jack_client_t *c, _Atomic int *state, int on)
{
	if (jack_set_freewheel(c, on) != 0)
		return -1;
	for (int t = 0; t < FX_DEADLINE_MS; t += 2) {
		if (atomic_load(state) == on)
			return 0;
		msleep(2);
	}
	return -1;
}

static int fx_process(jack_nframes_t nf, void *arg)
{
	fx_client *c = arg;
	float *o[2] = { jack_port_get_buffer(c->out[0], nf), jack_port_get_buffer(c->out[1], nf) };
	float *i[2] = { jack_port_get_buffer(c->in[0], nf), jack_port_get_buffer(c->in[1], nf) };
	int fw = atomic_load(&c->freewheeling);
	c->fw_cycles = fw ? c->fw_cycles + 1 : 0;
	if (!atomic_load(&c->running) || (c->offline && c->fw_cycles <= FX_FREEWHEEL_FLUSH)) {
		memset(o[0], 0, nf * sizeof(float));
		memset(o[1], 0, nf * sizeof(float));
		return 0;
	}
	for (jack_nframes_t k = 0; k < nf; k++) {
		o[0][k] = c->pl[c->ppos];
		o[1][k] = c->pr[c->ppos];
		if (++c->ppos == c->len)
			c->ppos = 0;
		if (c->rpos < c->n) {
			c->rl[c->rpos] = i[0][k];
			c->rr[c->rpos] = i[1][k];
			c->rpos++;
		}
	}
	if (c->rpos >= c->n)
		atomic_store(&c->running, 0);
	return 0;
}

fx_client *fx_client_new(const char *name, const char *play_l, const char *play_r, const char *rec_l, const char *rec_r)
{
	fx_client *c = calloc(1, sizeof *c);
	jack_status_t st;
	c->c = jack_client_open(name, JackNoStartServer, &st);
	if (!c->c) {
		free(c);
		return NULL;
	}
	c->out[0] = jack_port_register(c->c, "out_L", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
	c->out[1] = jack_port_register(c->c, "out_R", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
	c->in[0] = jack_port_register(c->c, "in_L", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
	c->in[1] = jack_port_register(c->c, "in_R", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
	jack_set_process_callback(c->c, fx_process, c);
	fx_freewheel_watch(c->c, &c->freewheeling);
	if (jack_activate(c->c)) {
		fx_client_free(c);
		return NULL;
	}
	const char *me = jack_get_client_name(c->c);
	char a[160];
	if (play_l) {
		snprintf(a, sizeof a, "%s:out_L", me);
		jack_connect(c->c, a, play_l);
	}
	if (play_r) {
		snprintf(a, sizeof a, "%s:out_R", me);
		jack_connect(c->c, a, play_r);
	}
	if (rec_l) {
		snprintf(a, sizeof a, "%s:in_L", me);
		jack_connect(c->c, rec_l, a);
	}
	if (rec_r) {
		snprintf(a, sizeof a, "%s:in_R", me);
		jack_connect(c->c, rec_r, a);
	}
	return c;
}

int fx_client_run(fx_client *c, const float *pl, const float *pr, size_t len, float *rl, float *rr, size_t n)
{
	c->pl = pl;
	c->pr = pr;
	c->len = len;
	c->ppos = 0;
	c->rl = rl;
	c->rr = rr;
	c->n = n;
	c->rpos = 0;
	if (c->offline && fx_freewheel(c->c, &c->freewheeling, 1) != 0)
		return -1;
	atomic_store(&c->running, 1);
	/* a survival deadline: ten times the duration (in real time) plus the usual one */
	int limit_ms = (int)(10000.0 * n / jack_get_sample_rate(c->c)) + FX_DEADLINE_MS;
	for (int t = 0; t < limit_ms && atomic_load(&c->running); t += 2)
		msleep(2);
	int late = atomic_load(&c->running);
	atomic_store(&c->running, 0);
	if (c->offline && fx_freewheel(c->c, &c->freewheeling, 0) != 0)
		return -1;
	return late ? -1 : 0;
}

void fx_client_offline(fx_client *c, int on)
{
	c->offline = on;
}

void fx_client_free(fx_client *c)
{
	if (!c)
		return;
	if (c->c)
		jack_client_close(c->c);
	free(c);
}

double fx_sine_db(const float *x, size_t a, size_t b)
{
	double s = 0;
	for (size_t i = a; i < b; i++)
		s += (double)x[i] * x[i];
	double rms = sqrt(s / (double)(b - a));
	return 20 * log10(rms * sqrt(2.0));
}

int fx_sine_measure(fx_client *c, int rate, size_t n, double *l_db, double *r_db)
{
	size_t len = (size_t)rate / 10;
	float *pl = malloc(len * sizeof(float)), *rl = calloc(n, sizeof(float)), *rr = calloc(n, sizeof(float));
	for (size_t i = 0; i < len; i++)
		pl[i] = (float)(0.1 * sin(2 * M_PI * 1000.0 * i / rate));
	int ret = fx_client_run(c, pl, pl, len, rl, rr, n);
	if (l_db)
		*l_db = fx_sine_db(rl, n / 2, n);
	if (r_db)
		*r_db = fx_sine_db(rr, n / 2, n);
	free(pl);
	free(rl);
	free(rr);
	return ret;
}

int fx_wait_log(const fixture *f, const char *text, int ms)
{
	for (int t = 0; t < ms; t += 50) {
		FILE *in = fopen(f->log, "r");
		char line[512];
		int found = 0;
		while (in && !found && fgets(line, sizeof line, in))
			found = strstr(line, text) != NULL;
		if (in)
			fclose(in);
		if (found)
			return 0;
		msleep(50);
	}
	return -1;
}

int fx_logged_latency(const fixture *f, int last)
{
	char cmd[400];
	snprintf(cmd, sizeof cmd, "sed -n 's/.*latency \\([0-9]*\\) frames.*/\\1/p' %s | %s -1", f->log, last ? "tail" : "head");
	char *s = fx_run(cmd);
	int v = atoi(s);
	free(s);
	return v;
}

int fx_free_udp_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	socklen_t len = sizeof a;
	int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0;
	close(fd);
	return ok ? ntohs(a.sin_port) : -1;
}

/* Does KVM work? Not "does /dev/kvm open" but "does a guest run, at the
 * speed of hardware": a tiny real-mode guest is executed through the KVM
 * ioctl API in a child process under a time limit. Some machines have a
 * /dev/kvm that opens, creates VMs and runs guests, but about a thousand
 * times slower than hardware (measured: 1.9 s for a million iterations of
 * LOOP, a few ms on hardware), so a firmware boot seems to hang; the test
 * guest therefore also times a loop. */
#include "run/run.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Guest code at guest-physical 0x1000, run in real mode with CS = 0:
 *   mov al, 0x2a ; out 0x10, al          an I/O exit: the guest runs
 *   mov ecx, LOOPS ; l: addr32 loop l    a few ms on hardware
 *   hlt                                  a HLT exit: it ran to the end */
#define LOOPS 0x100000
static const unsigned char guest_code[] = {
    0xb0, 0x2a, 0xe6, 0x10,		/* mov al, 0x2a; out 0x10, al */
    0x66, 0xb9, 0x00, 0x00, 0x10, 0x00, /* mov ecx, 0x00100000 */
    0x67, 0xe2, 0xfd,			/* addr32 loop $ */
    0xf4,				/* hlt */
};
#define GUEST_ADDR 0x1000
#define GUEST_PORT 0x10
/* The loop's time limit: hardware needs a few ms; a
 * loaded machine gets a wide margin. */
#define LOOP_LIMIT_MS 250

/* The child's report: what failed, with errno, written to the pipe. */
static int fail(int fd, const char *what)
{
	char msg[200];
	int n = snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
	if (write(fd, msg, (size_t)n) < 0)
		return 1;
	return 1;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int fail_msg(int fd, const char *msg)
{
	if (write(fd, msg, strlen(msg)) < 0)
		return 1;
	return 1;
}

/* The probe itself, in the child: 0 when the guest ran, else 1 with the
 * reason written to fd. */
static int probe(int fd)
{
	struct kvm_userspace_memory_region mem;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	unsigned char *page;
	int kvm, vm, vcpu, size;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail(fd, "/dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != 12)
		return fail_msg(fd, "KVM_GET_API_VERSION is not 12");
	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		return fail(fd, "KVM_CREATE_VM");
	page = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return fail(fd, "mmap");
	memcpy(page, guest_code, sizeof guest_code);
	memset(&mem, 0, sizeof mem);
	mem.guest_phys_addr = GUEST_ADDR;
	mem.memory_size = 0x1000;
	mem.userspace_addr = (unsigned long)page;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mem) < 0)
		return fail(fd, "KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
	if (vcpu < 0)
		return fail(fd, "KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (size < (int)sizeof *run)
		return fail(fd, "KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail(fd, "mmap of the vCPU");
	/* real mode, code segment at 0 (a vCPU starts at F000:FFF0) */
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail(fd, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail(fd, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof regs);
	regs.rip = GUEST_ADDR;
	regs.rflags = 0x2; /* bit 1 is reserved and must be set */
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail(fd, "KVM_SET_REGS");

	if (ioctl(vcpu, KVM_RUN, NULL) < 0)
		return fail(fd, "KVM_RUN");
	if (run->exit_reason != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT ||
	    run->io.port != GUEST_PORT || run->io.size != 1 ||
	    ((unsigned char *)run)[run->io.data_offset] != 0x2a)
		return fail_msg(fd, "the test guest's OUT did not come back as KVM_EXIT_IO");
	/* the loop, timed: a timer signal makes a slow KVM_RUN return EINTR */
	{
		struct itimerval it = {{0, 0}, {LOOP_LIMIT_MS / 1000, (LOOP_LIMIT_MS % 1000) * 1000}};
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alarm;
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
	}
	if (ioctl(vcpu, KVM_RUN, NULL) < 0) {
		if (errno == EINTR) {
			char msg[200];
			snprintf(msg, sizeof msg,
				 "KVM runs guest code far too slowly here: a loop of %d iterations, a few ms "
				 "on hardware, did not finish within %d ms",
				 LOOPS, LOOP_LIMIT_MS);
			return fail_msg(fd, msg);
		}
		return fail(fd, "KVM_RUN");
	}
	if (run->exit_reason != KVM_EXIT_HLT)
		return fail_msg(fd, "the test guest's HLT did not come back as KVM_EXIT_HLT");
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

bool run_kvm_works(int timeout_ms, char *why, size_t why_len)
{
	struct timespec t0;
	int status = 0, p[2];
	pid_t pid, r = -1;
	ssize_t got;

	if (access("/dev/kvm", F_OK) < 0) {
		snprintf(why, why_len, "/dev/kvm: %s", strerror(errno));
		return false;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, why_len, "pipe: %s", strerror(errno));
		return false;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, why_len, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0) {
		close(p[0]);
		_exit(probe(p[1]));
	}
	close(p[1]);
	/* The child closes the pipe when it exits (or is killed): wait for
	 * that, with the time limit. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pf = {.fd = p[0], .events = POLLIN};
		long left = timeout_ms - ms_since(&t0);
		if (left <= 0) {
			/* A KVM_RUN that never returns: kill the child. It is
			 * reaped if it dies soon, else left to init (the kernel
			 * holds it; nothing of ours is in it). */
			kill(pid, SIGKILL);
			for (int i = 0; i < 20 && r != pid; i++) {
				struct timespec ts = {0, 10 * 1000000};
				nanosleep(&ts, NULL);
				r = waitpid(pid, &status, WNOHANG);
			}
			close(p[0]);
			snprintf(why, why_len, "KVM_RUN of a test guest did not return within %.1f s",
				 timeout_ms / 1000.0);
			return false;
		}
		if (poll(&pf, 1, (int)left) > 0)
			break;
	}
	got = read(p[0], why, why_len - 1);
	close(p[0]);
	why[got > 0 ? got : 0] = 0;
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (!why[0]) {
		if (r == pid && WIFSIGNALED(status))
			snprintf(why, why_len, "the KVM test guest's process died of signal %d",
				 WTERMSIG(status));
		else
			snprintf(why, why_len, "the KVM test did not finish");
	}
	return false;
}

bool run_accel_choose(struct run_opts *o, char *why, size_t why_len)
{
	if (o->accel != RUN_ACCEL_AUTO)
		return false;
	o->accel = run_kvm_works(2000, why, why_len) ? RUN_ACCEL_KVM : RUN_ACCEL_TCG;
	return true;
}

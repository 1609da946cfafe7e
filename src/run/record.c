/* mklive run --record-boot-order: boot an image once with QEMU's block
 * trace on, until a shell or login prompt appears, and turn the reads of
 * the medium into the files of its squashfs root in first-access order
 * (the list `mklive build --boot-order` takes).
 *
 * Why QEMU's trace (blk_co_preadv events of the log backend) rather than a
 * record kept by mklive-init in the guest: it needs nothing in the guest
 * (no agent that must outlive the switch to the root, no way out for its
 * log), it works for any image QEMU boots, and it sees exactly what the
 * medium is asked for, read-ahead included, which is what a slow medium
 * pays for. The price is that a read names bytes, not files: the bytes
 * are mapped back to files through the squashfs, which mklive can read. */
#include "core/error.h"
#include "core/output.h"
#include "core/progress.h"
#include "core/util.h"
#include "image/image.h"
#include "run/run.h"
#include "squashfs/reader.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where a live medium keeps its root image, in the order looked for. */
static const char *const root_paths[] = {"/live/root.squashfs", "/live/filesystem.squashfs",
					 "/casper/filesystem.squashfs"};

struct rd_ev {
	uint64_t blk, off, len;
};

struct span {
	uint64_t start, end; /* in the squashfs */
	uint32_t frag;	     /* SQFS_NO_FRAGMENT (0xffffffff): file blocks */
	const struct tree_node *n;
	uint64_t covered; /* bytes of it the reads covered (overlaps counted again) */
	size_t first;	  /* the first read that touched it, + 1 */
};

struct pick {
	size_t seq; /* the read that named it */
	const struct tree_node *n;
};

/* A file of more data than this is named by how much of it was read, not
 * by being touched: the probes of blkid (4 KiB at 64 KiB, 1 MiB, 4 MiB...)
 * and the read-ahead that runs on into the next file touch big files the
 * boot never opens, and all of one would go into the boot set. */
#define BIG_FILE (256 * 1024)

struct rec {
	struct rd_ev *ev;
	size_t nev, evcap;
	struct span *sp;
	size_t nsp, spcap;
	struct pick *picks;
	size_t npicks, pickcap;
	const struct tree_node **order;
	size_t norder;
	uint8_t *seen_frag;
	size_t nfrag;
};

/* The trace file: one line per read, "blk_co_preadv blk 0x.. bs 0x..
 * offset N bytes N flags 0x..", perhaps after a "pid@time:" prefix. */
static int parse_trace(struct rec *r, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	if (!f)
		return err_sys(errno, "QEMU's block trace %s", path);
	while (fgets(line, sizeof line, f)) {
		const char *p = strstr(line, "blk_co_preadv ");
		unsigned long long blk, bs, off, len;
		if (!p || sscanf(p, "blk_co_preadv blk %llx bs %llx offset %llu bytes %llu", &blk, &bs, &off,
				 &len) != 4)
			continue;
		util_grow(&r->ev, &r->evcap, r->nev + 1, sizeof *r->ev);
		r->ev[r->nev++] = (struct rd_ev){blk, off, len};
	}
	fclose(f);
	return 0;
}

/* The medium is the block device that was read most (UEFI's flash and a
 * second disk are read too); 0 when nothing was read. */
static uint64_t medium_blk(const struct rec *r)
{
	uint64_t best = 0, best_bytes = 0;
	for (size_t i = 0; i < r->nev; i++) {
		uint64_t bytes = 0;
		for (size_t j = 0; j < r->nev; j++)
			if (r->ev[j].blk == r->ev[i].blk)
				bytes += r->ev[j].len;
		if (bytes > best_bytes) {
			best_bytes = bytes;
			best = r->ev[i].blk;
		}
		if (r->nev > 4096 && i > 64)
			break; /* the medium is among the first reads */
	}
	return best;
}

static int add_spans(struct tree_node *n, void *ctx)
{
	struct rec *r = ctx;
	struct sqfs_extent e;
	if (!tree_is_reg(n) || !sqfs_node_extent(n, &e))
		return 0;
	if (e.end > e.start) {
		util_grow(&r->sp, &r->spcap, r->nsp + 1, sizeof *r->sp);
		r->sp[r->nsp++] = (struct span){e.start, e.end, 0xffffffffu, n, 0, 0};
	}
	if (e.frag_end > e.frag_start) {
		util_grow(&r->sp, &r->spcap, r->nsp + 1, sizeof *r->sp);
		r->sp[r->nsp++] = (struct span){e.frag_start, e.frag_end, e.frag, n, 0, 0};
		if (e.frag >= r->nfrag)
			r->nfrag = (size_t)e.frag + 1;
	}
	return 0;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static void note(struct rec *r, const struct tree_node *n, size_t seq)
{
	util_grow(&r->picks, &r->pickcap, r->npicks + 1, sizeof *r->picks);
	r->picks[r->npicks++] = (struct pick){seq, n};
}

static int cmp_pick(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The picks in the order of the reads that named them (a read's own in
 * offset order: qsort is not stable, so seq carries both), each file once. */
static void order_picks(struct rec *r)
{
	qsort(r->picks, r->npicks, sizeof *r->picks, cmp_pick);
	r->order = xcalloc(r->npicks ? r->npicks : 1, sizeof *r->order);
	for (size_t i = 0; i < r->npicks; i++) {
		const struct tree_node *n = r->picks[i].n;
		struct tree_node *first = n->link_first ? n->link_first : (struct tree_node *)n;
		if (first->u64[3])
			continue;
		first->u64[3] = 1;
		r->order[r->norder++] = n;
	}
}

/* Did a read of [s, e) ask for span sp, rather than run into it? A read
 * that starts inside the span, or holds all of it, did; one that starts
 * before it and ends inside it is read-ahead running on from the file
 * before (the superblock's read runs into the first files; a library's
 * into the next one) and names nothing. */
static bool asked_for(const struct span *sp, uint64_t s, uint64_t e)
{
	return (s >= sp->start && s < sp->end) || (s <= sp->start && e >= sp->end);
}

/* The files a read of [s, e) of the squashfs names, numbered from seq in
 * offset order: a small file's blocks name it when the read asked for
 * them; a fragment block names every file with a tail in it (the trace
 * cannot tell which of them the boot wanted); big files are only counted
 * here (pick_big_files). A small file that read-ahead ran into costs
 * little in the boot set; one the boot needs and that is left out costs
 * a seek. */
static void map_read(struct rec *r, uint64_t s, uint64_t e, size_t seq)
{
	size_t lo = 0, hi = r->nsp;
	/* the first span starting at or after s, then back over those that
	 * start before s but reach into the read */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r->sp[mid].start < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0 && r->sp[lo - 1].end > s)
		lo--;
	if (lo > 0) {
		uint64_t st = r->sp[lo - 1].start;
		while (lo > 0 && r->sp[lo - 1].start == st && r->sp[lo - 1].end > s)
			lo--;
	}
	for (size_t i = lo; i < r->nsp && r->sp[i].start < e; i++) {
		struct span *sp = &r->sp[i];
		size_t k = seq * 1024 + MIN(i - lo, 1023);
		if (sp->end <= s)
			continue;
		if (sp->frag == 0xffffffffu && sp->end - sp->start > BIG_FILE) {
			sp->covered += MIN(e, sp->end) - MAX(s, sp->start);
			if (!sp->first)
				sp->first = k + 1;
			continue;
		}
		if (!asked_for(sp, s, e))
			continue;
		if (sp->frag != 0xffffffffu) {
			if (r->seen_frag[sp->frag])
				continue;
			/* all of this fragment's files, in the order they lie */
			r->seen_frag[sp->frag] = 1;
			for (size_t j = i; j < r->nsp && r->sp[j].start == sp->start; j++)
				note(r, r->sp[j].n, k);
			continue;
		}
		note(r, sp->n, k);
	}
}

/* Big files: named, at their first read, when at least half of their
 * data was read. */
static void pick_big_files(struct rec *r)
{
	for (size_t i = 0; i < r->nsp; i++) {
		const struct span *sp = &r->sp[i];
		if (sp->frag == 0xffffffffu && sp->first && sp->covered * 2 >= sp->end - sp->start)
			note(r, sp->n, sp->first - 1);
	}
}

static int write_list(struct rec *r, const char *out, const char *image, const struct tree *sq)
{
	struct out_file *o;
	const struct tree_node *init = tree_resolve(sq, "/sbin/init");
	int rc = out_open(&o, out);
	char *line;
	if (rc)
		return rc;
	line = xasprintf("# boot order of %s (mklive run --record-boot-order): %zu files\n", image,
			 r->norder + 0);
	rc = out_write(o, line, strlen(line));
	free(line);
	/* /sbin/init under the name the boot uses, when its data was read:
	 * the name stays right when a rebuilt root moves its target */
	if (!rc && init && tree_is_reg(init) && (init->link_first ? init->link_first : init)->u64[3])
		rc = out_write(o, "/sbin/init\n", 11);
	for (size_t i = 0; i < r->norder && !rc; i++) {
		char *p = tree_node_path(r->order[i]);
		line = xasprintf("%s\n", p);
		rc = out_write(o, line, strlen(line));
		free(line);
		free(p);
	}
	if (rc) {
		out_abort(o);
		return rc;
	}
	return out_finish(o);
}

static int clear_mark(struct tree_node *n, void *ctx)
{
	n->u64[3] = 0;
	return 0;
}

/* Map the trace of image's reads to the files of its root image. */
static int map_trace(struct rec *r, const char *image, const char *out)
{
	struct tree *t = NULL, *sq = NULL;
	struct tree_node *node = NULL, *root = NULL;
	struct image_info info;
	struct imgsrc src;
	struct sqfs_read_opts ro;
	uint64_t blk, base, size, bytes = 0, jumps = 0, next = UINT64_MAX;
	size_t reads = 0;
	int rc;
	memset(&info, 0, sizeof info);
	memset(&src, 0, sizeof src);
	if ((rc = image_open(image, 0, &t, &node, &info)) != 0)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(root_paths) && !root; i++)
		root = tree_lookup(t, root_paths[i]);
	if (!root || !tree_is_reg(root)) {
		rc = err_set(ERR_FORMAT, "%s: no squashfs root image (/live/root.squashfs)", image);
		goto out;
	}
	if (root->src != TREE_SRC_RANGE || root->src_aux) {
		rc = err_set(ERR_FORMAT, "%s: the root image is not stored in one piece", image);
		goto out;
	}
	base = root->src_off;
	size = root->size;
	if ((rc = imgsrc_open_node(&src, root, NULL)) != 0)
		goto out;
	sq = tree_create();
	sqfs_read_opts_init(&ro);
	ro.threads = -1;
	if ((rc = sqfs_read_src(&src, sq, &ro)) != 0)
		goto out;
	tree_walk(sq->root, clear_mark, NULL, NULL);
	tree_walk(sq->root, add_spans, NULL, r);
	qsort(r->sp, r->nsp, sizeof *r->sp, cmp_span);
	r->seen_frag = xcalloc(r->nfrag ? r->nfrag : 1, 1);
	blk = medium_blk(r);
	for (size_t i = 0; i < r->nev; i++) {
		const struct rd_ev *v = &r->ev[i];
		uint64_t s, e;
		if (v->blk != blk || v->off + v->len <= base || v->off >= base + size)
			continue;
		s = v->off > base ? v->off - base : 0;
		e = MIN(v->off + v->len - base, size);
		reads++;
		bytes += e - s;
		jumps += s != next;
		map_read(r, s, e, reads);
		next = e;
	}
	pick_big_files(r);
	order_picks(r);
	log_note("the boot read %.1f MB of the root image in %zu reads (%" PRIu64
		 " not following the one before); %zu files",
		 (double)bytes / 1e6, reads, jumps, r->norder);
	if (!r->norder) {
		rc = err_set(ERR_FORMAT, "%s: the boot read no file of %s (was it booted from it?)", image,
			     root_paths[0]);
		goto out;
	}
	rc = write_list(r, out, image, sq);
out:
	imgsrc_close(&src);
	tree_destroy(sq);
	tree_destroy(t);
	image_info_free(&info);
	return rc;
}

int run_record_boot_order(struct run_opts *o, const char *out, struct run_result *res)
{
	struct rec r;
	struct run_argv args;
	char *dir, *trace = NULL;
	const char *tmp = getenv("TMPDIR");
	char *const *saved_args = o->qemu_args;
	size_t saved_n = o->nqemu_args;
	int rc;
	memset(&r, 0, sizeof r);
	memset(&args, 0, sizeof args);
	/* QEMU's option syntax would need a comma in the path doubled */
	dir = xasprintf("%s/mklive-trace-XXXXXX", tmp && *tmp && !strchr(tmp, ',') ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		rc = err_sys(errno, "%s", dir);
		free(dir);
		return rc;
	}
	trace = util_path_join(dir, "blk.trace");
	run_argv_add(&args, "-trace");
	run_argv_addf(&args, "enable=blk_co_preadv,file=%s", trace);
	for (size_t i = 0; i < saved_n; i++)
		run_argv_add(&args, saved_args[i]);
	o->qemu_args = args.v;
	o->nqemu_args = args.n;
	rc = run_session(o, res);
	o->qemu_args = saved_args;
	o->nqemu_args = saved_n;
	if (!rc && res->end != RUN_END_MATCHED)
		rc = err_set(ERR_FORMAT, "%s: no prompt ('%s') within %g s: the boot order was not recorded",
			     o->image, o->expect, o->timeout);
	if (!rc)
		rc = parse_trace(&r, trace);
	if (!rc && !r.nev)
		rc = err_set(ERR_FORMAT,
			     "QEMU wrote no block reads to its trace (a QEMU built without the log trace "
			     "backend?)");
	if (!rc)
		rc = map_trace(&r, o->image, out);
	unlink(trace);
	rmdir(dir);
	free(trace);
	free(dir);
	run_argv_free(&args);
	free(r.ev);
	free(r.sp);
	free(r.order);
	free(r.picks);
	free(r.seen_frag);
	return rc;
}

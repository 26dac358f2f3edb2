/* migsweep calibration guest: a paced page dirtier for real QEMU migrations.
 *
 * Command line (multiboot, QEMU -append):
 *   "ws=<MiB> rate=<pages/s> fill=<0|1|2> [content=<0|1|2|3> delta=<bytes>]"
 *   ws      working set in MiB, its pages written cyclically in address order
 *   rate    page writes per second, paced by the TSC
 *   fill    what RAM above the kernel holds before the writer starts:
 *           0 = left as booted (zero), 1 (default) = the word 0xA5A5A5A5
 *           everywhere (non-zero, so QEMU's zero-page detection,
 *           save_zero_page / buffer_is_zero in migration/ram.c, finds
 *           nothing to skip, but a compressor shrinks it to almost nothing),
 *           2 = pseudo-random words (xorshift32): incompressible
 *   content what one page write changes (the controlled content of the
 *           multifd, compression and XBZRLE calibration runs):
 *           0 (default) = one byte at offset 0, set to (writes | 1)
 *           1 = zero: the working set is cleared before the writer starts
 *               and every write stores a zero byte, so each re-dirtied page
 *               is still a zero page
 *           2 = random: the whole page rewritten with fresh pseudo-random
 *               words (incompressible; an XBZRLE delta larger than a page)
 *           3 = delta: `delta` contiguous bytes at offset 64 set to values
 *               that change on every pass over the working set, the rest of
 *               the page untouched (XBZRLE encodes it in delta + 2 bytes:
 *               one zero run, one non-zero run, migration/xbzrle.c)
 *   flush   1: `invlpg` the page about to be written (and the page holding
 *           the write count) before every write. QEMU before 9.0 loses
 *           dirty pages under TCG: the fast path of
 *           cpu_physical_memory_sync_dirty_bitmap (include/exec/ram_addr.h)
 *           clears dirty bits without resetting the TCG TLB, so stores
 *           through a TLB entry filled before the sync are not logged (fixed
 *           by "physmem: Fix migration dirty bitmap coherency with TCG memory
 *           access", QEMU 9.0). Dropping the entry makes the next store refill
 *           it from the cleared bitmap, trap, and mark the page dirty.
 *           (helper_invlpg flushes the page whether paging is on or not.)
 * ws=0 or rate=0: idle (halt with interrupts off) after the fill.
 *
 * Serial (COM1) lines, parsed by src/calibrate/serial.ts:
 *   boot tsc_khz=N ws_pages=N rate=N fill=0|1|2 content=N delta=N
 *   fill bytes=N pages=N ms=N zero_low_pages=N
 *   ready
 *   idle                                   (idle guest, then silence)
 *   tick t=S rate=N writes=N rebases=N     (once per second of guest TSC time)
 *
 * Pacing has no catch-up: when the guest falls behind by more than one
 * write interval (a vCPU throttle sleep, a host preemption, a vm stop), it
 * re-bases its schedule on the current time and the missed writes are
 * lost. A CPU throttle of p % therefore lowers the write rate to about
 * (1 - p) of the target (qemu-observed.md, item 5).
 */
#include <stdint.h>

#define PAGE_SIZE 4096u
#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_INFO_MEMORY (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MMAP (1u << 6)
#define E820_RAM 1u
#define MAX_REGIONS 32
#define CMDLINE_MAX 256
#define FILL_WORD 0xA5A5A5A5u
#define FILL_NONE 0u
#define FILL_PATTERN 1u
#define FILL_RANDOM 2u
#define CONTENT_BYTE 0u
#define CONTENT_ZERO 1u
#define CONTENT_RANDOM 2u
#define CONTENT_DELTA 3u
#define DELTA_OFFSET 64u
#define COM1 0x3F8
#define PIT_HZ 1193182u
#define PIT_CALIBRATION_DIVISOR 20u /* calibrate over 1/20 s = 50 ms */

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
    uint32_t mods_count, mods_addr, syms[4];
    uint32_t mmap_length, mmap_addr;
};

struct mb_mmap_entry {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;
} __attribute__((packed));

struct region {
    uint32_t start, end; /* [start, end), page aligned */
};

extern char _end[];

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void serial_init(void) {
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xC7); /* FIFO on */
}
static void putc_serial(char c) {
    while ((inb(COM1 + 5) & 0x20) == 0) {
    }
    outb(COM1, (uint8_t)c);
}
static void puts_serial(const char *s) {
    while (*s) putc_serial(*s++);
}
static void putu(uint64_t v) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = (char)('0' + (v % 10));
        v /= 10;
    } while (v != 0);
    while (n > 0) putc_serial(buf[--n]);
}
static void put_kv(const char *key, uint64_t v) {
    puts_serial(key);
    putu(v);
}

/* Value of "key=<decimal>" in the command line, or def when absent. QEMU
 * passes "<kernel path> <append>", so keys match only at a word start. */
static uint32_t cmdline_uint(const char *cmd, const char *key, uint32_t def) {
    for (const char *p = cmd; *p; p++) {
        if (p != cmd && p[-1] != ' ') continue;
        const char *k = key, *q = p;
        while (*k && *q == *k) k++, q++;
        if (*k || *q != '=') continue;
        q++;
        if (*q < '0' || *q > '9') return def;
        uint32_t v = 0;
        while (*q >= '0' && *q <= '9') v = v * 10 + (uint32_t)(*q++ - '0');
        return v;
    }
    return def;
}

/* TSC ticks per second, measured against PIT channel 2 in one-shot mode
 * (the method of Linux's pit_calibrate_tsc, arch/x86/kernel/tsc.c). Under
 * TCG the TSC follows the host clock and the PIT QEMU_CLOCK_VIRTUAL, so
 * both run in real time. */
static uint64_t calibrate_tsc_hz(void) {
    const uint32_t latch = PIT_HZ / PIT_CALIBRATION_DIVISOR;
    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
    outb(0x43, 0xB0);                                   /* ch 2, lo/hi, mode 0 */
    outb(0x42, (uint8_t)(latch & 0xFF));
    outb(0x42, (uint8_t)(latch >> 8));
    uint64_t t0 = rdtsc();
    while ((inb(0x61) & 0x20) == 0) {
    }
    uint64_t t1 = rdtsc();
    return (t1 - t0) * PIT_CALIBRATION_DIVISOR;
}

static void fill_words(uint32_t start, uint32_t bytes) {
    uint32_t dst = start, count = bytes / 4;
    __asm__ volatile("rep stosl" : "+D"(dst), "+c"(count) : "a"(FILL_WORD) : "memory");
}

/* xorshift32 (Marsaglia 2003): cheap words that no compressor shrinks. */
static uint32_t rng_state = 2463534242u;
static inline uint32_t next_random(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static void fill_random(uint32_t start, uint32_t bytes) {
    volatile uint32_t *w = (volatile uint32_t *)start;
    for (uint32_t i = 0; i < bytes / 4; i++) w[i] = next_random();
}

static void zero_words(uint32_t start, uint32_t bytes) {
    uint32_t dst = start, count = bytes / 4;
    __asm__ volatile("rep stosl" : "+D"(dst), "+c"(count) : "a"(0u) : "memory");
}

static int page_is_zero(const uint32_t *page) {
    for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
        if (page[i] != 0) return 0;
    return 1;
}

static void halt_forever(void) {
    for (;;) __asm__ volatile("cli; hlt");
}

void guest_main(uint32_t magic, const struct mb_info *mbi) {
    serial_init();
    if (magic != MB_BOOT_MAGIC) {
        puts_serial("error not-multiboot\n");
        halt_forever();
    }

    /* Copy the command line and the memory map out of the multiboot info
     * before the fill overwrites them (they live right above _end). */
    char cmd[CMDLINE_MAX];
    cmd[0] = 0;
    if (mbi->flags & MB_INFO_CMDLINE) {
        const char *src = (const char *)mbi->cmdline;
        int i = 0;
        while (src[i] && i < CMDLINE_MAX - 1) cmd[i] = src[i], i++;
        cmd[i] = 0;
    }
    const uint32_t kernel_end = ((uint32_t)_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    struct region regions[MAX_REGIONS];
    int nregions = 0;
    if (mbi->flags & MB_INFO_MMAP) {
        uint32_t p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
        while (p < end && nregions < MAX_REGIONS) {
            const struct mb_mmap_entry *e = (const struct mb_mmap_entry *)p;
            uint64_t lo = e->base, hi = e->base + e->length;
            if (hi > 0x100000000ull) hi = 0x100000000ull;
            if (lo < kernel_end) lo = kernel_end;
            lo = (lo + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
            hi &= ~(uint64_t)(PAGE_SIZE - 1);
            if (e->type == E820_RAM && hi > lo) {
                regions[nregions].start = (uint32_t)lo;
                regions[nregions].end = (uint32_t)hi;
                nregions++;
            }
            p += e->size + 4;
        }
    } else if (mbi->flags & MB_INFO_MEMORY) {
        regions[0].start = kernel_end;
        regions[0].end = 0x100000u + mbi->mem_upper * 1024u;
        nregions = 1;
    }

    const uint32_t ws_mib = cmdline_uint(cmd, "ws", 0);
    const uint32_t rate = cmdline_uint(cmd, "rate", 0);
    const uint32_t fill = cmdline_uint(cmd, "fill", FILL_PATTERN);
    const uint32_t content = cmdline_uint(cmd, "content", CONTENT_BYTE);
    const uint32_t flush = cmdline_uint(cmd, "flush", 0);
    uint32_t delta = cmdline_uint(cmd, "delta", 1);
    if (delta < 1) delta = 1;
    if (delta > PAGE_SIZE - DELTA_OFFSET) delta = PAGE_SIZE - DELTA_OFFSET;
    const uint64_t tsc_hz = calibrate_tsc_hz();

    /* The working set starts at the first page of the largest region. */
    int main_region = -1;
    for (int i = 0; i < nregions; i++)
        if (main_region < 0 || regions[i].end - regions[i].start > regions[main_region].end - regions[main_region].start)
            main_region = i;
    uint32_t ws_pages = ws_mib * (1024u * 1024u / PAGE_SIZE);
    volatile uint8_t *ws_base = 0;
    if (main_region < 0) {
        ws_pages = 0;
    } else {
        ws_base = (volatile uint8_t *)regions[main_region].start;
        uint32_t avail = (regions[main_region].end - regions[main_region].start) / PAGE_SIZE;
        if (ws_pages > avail) ws_pages = avail;
    }

    put_kv("boot tsc_khz=", tsc_hz / 1000);
    put_kv(" ws_pages=", ws_pages);
    put_kv(" rate=", rate);
    put_kv(" fill=", fill);
    put_kv(" content=", content);
    put_kv(" delta=", delta);
    put_kv(" flush=", flush);
    puts_serial("\n");

    uint64_t fill_bytes = 0;
    const uint64_t fill_t0 = rdtsc();
    if (fill != FILL_NONE) {
        for (int i = 0; i < nregions; i++) {
            if (fill == FILL_RANDOM)
                fill_random(regions[i].start, regions[i].end - regions[i].start);
            else
                fill_words(regions[i].start, regions[i].end - regions[i].start);
            fill_bytes += regions[i].end - regions[i].start;
        }
    }
    if (content == CONTENT_ZERO && ws_pages > 0) {
        /* The writer stores zero bytes into zero pages: the working set
         * stays zero and does not count as filled. */
        zero_words((uint32_t)ws_base, ws_pages * PAGE_SIZE);
        if (fill != FILL_NONE) fill_bytes -= (uint64_t)ws_pages * PAGE_SIZE;
    }
    const uint64_t fill_ms = (rdtsc() - fill_t0) * 1000 / tsc_hz;
    /* Conventional memory below 640 KiB is left as the BIOS left it; count
     * its zero pages so the report says how many zero pages remain (page 0,
     * the real-mode interrupt table, is never zero). */
    uint32_t zero_low_pages = 0;
    for (uint32_t a = PAGE_SIZE; a < 0xA0000u; a += PAGE_SIZE)
        if (page_is_zero((const uint32_t *)a)) zero_low_pages++;
    put_kv("fill bytes=", fill_bytes);
    put_kv(" pages=", fill_bytes / PAGE_SIZE);
    put_kv(" ms=", fill_ms);
    put_kv(" zero_low_pages=", zero_low_pages);
    puts_serial("\nready\n");

    if (ws_pages == 0 || rate == 0) {
        puts_serial("idle\n");
        halt_forever();
    }

    const uint64_t interval = tsc_hz / rate;
    uint64_t next = rdtsc();
    uint64_t window_start = next, second_due = next + tsc_hz;
    uint32_t idx = 0, pass = 0, window_writes = 0, seconds = 0, rebases = 0;
    uint64_t writes = 0;
    for (;;) {
        uint64_t now = rdtsc();
        if ((int64_t)(now - next) >= 0) {
            volatile uint8_t *page = ws_base + idx * PAGE_SIZE;
            if (flush) {
                __asm__ volatile("invlpg (%0)" : : "r"(page) : "memory");
                __asm__ volatile("invlpg (%0)" : : "r"(&writes) : "memory");
            }
            if (content == CONTENT_ZERO) {
                page[0] = 0;
            } else if (content == CONTENT_RANDOM) {
                volatile uint32_t *w = (volatile uint32_t *)page;
                for (uint32_t i = 0; i < PAGE_SIZE / 4; i++) w[i] = next_random();
            } else if (content == CONTENT_DELTA) {
                /* Values follow the pass number, so every re-dirtied page
                 * differs from any earlier copy in exactly these bytes. */
                for (uint32_t i = 0; i < delta; i++) page[DELTA_OFFSET + i] = (uint8_t)(pass + 1 + i);
            } else {
                /* One byte per page; "| 1" keeps an unfilled page non-zero. */
                page[0] = (uint8_t)(writes | 1);
            }
            if (++idx == ws_pages) idx = 0, pass++;
            writes++;
            window_writes++;
            next += interval;
            if ((int64_t)(now - next) > 0) {
                /* Behind by more than a whole interval: drop the missed
                 * writes instead of catching up. */
                next = now + interval;
                rebases++;
            }
        }
        if ((int64_t)(now - second_due) >= 0) {
            seconds++;
            put_kv("tick t=", seconds);
            put_kv(" rate=", (uint64_t)window_writes * tsc_hz / (now - window_start));
            put_kv(" writes=", writes);
            put_kv(" rebases=", rebases);
            puts_serial("\n");
            window_start = now;
            window_writes = 0;
            second_due = now + tsc_hz;
        }
    }
}

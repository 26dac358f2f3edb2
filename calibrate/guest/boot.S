/* Multiboot (v1) entry point of the migsweep calibration guest.
 * The loader enters in 32-bit protected mode, paging off, interrupts off,
 * EAX = 0x2BADB002 and EBX = physical address of the multiboot info
 * (Multiboot Specification 0.6.96, section 3.2). */

#define MB_MAGIC        0x1BADB002
#define MB_PAGE_ALIGN   (1 << 0)
#define MB_MEMORY_INFO  (1 << 1)   /* ask for mem_lower/upper and the e820 map */
#define MB_FLAGS        (MB_PAGE_ALIGN | MB_MEMORY_INFO)

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .bss
    .align 16
stack_bottom:
    .skip 16384
stack_top:

    .section .text
    .globl _start
    .type _start, @function
_start:
    cli
    movl $stack_top, %esp
    cld
    pushl %ebx              /* multiboot info */
    pushl %eax              /* magic */
    call guest_main
1:  cli
    hlt
    jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits

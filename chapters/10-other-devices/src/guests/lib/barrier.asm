; Your working copy for chapter 10, generated from solutions/guests/lib/barrier.asm by npx xenlab stage.
; The memory barriers of shared rings, one macro each: book §6.3.2; Xen public/io/ring.h
; (xen_mb, xen_rmb, xen_wmb), the Intel SDM's x86 memory-ordering rules (vol. 3, §8.2).
;
; x86 keeps stores in order with stores and loads in order with loads, so the write and read
; barriers only stop the assembler-level reordering a compiler would do: here, nothing. A store
; followed by a load of another location may still be reordered (the store waits in the store
; buffer while the load goes ahead), so the full barrier is a real instruction. A ring's notify
; decision and its final check both store an index and then load the other side's: without
; XEN_MB between them a wake-up can be lost.

; XEN_WMB: earlier stores are seen before later stores (x86 does this itself).
%macro XEN_WMB 0
%endmacro

; XEN_RMB: earlier loads complete before later loads (x86 does this itself).
%macro XEN_RMB 0
%endmacro

; XEN_MB: earlier stores are seen before later loads: the store buffer drains.
%macro XEN_MB 0
  mfence
%endmacro

; Your working copy for chapter 10, generated from solutions/guests/lib/time.asm by npx xenlab stage.
; Reading Xen's clocks from a guest: the shared info page mapped, system time from the TSC and
; vcpu_time_info, the time of day from the wall clock: book §3.2–3.4; Mini-OS arch/x86/time.c.
;
; Include after lib/head.asm. Both readers follow Xen's version protocol: take the version,
; retry while it is odd (Xen is rewriting the record), copy what is needed, and start again if
; the version has moved meanwhile. On x86 loads are not reordered with other loads, so the
; order of the instructions is the read barrier the protocol needs.

section .text

; map_shared_info: maps the shared info page (start_info.shared_info is its machine address)
; over the page `shared_info` of this image, as Mini-OS's arch_init does. EAX = 0 or -errno.
map_shared_info:
  push ebx
  push ecx
  push edx
  push esi
  mov ebx, shared_info
  mov ecx, [start_info]
  mov ecx, [ecx + START_INFO_shared_info]
  or ecx, 7                     ; present, writable, user
  xor edx, edx                  ; high half of the PAE entry
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
  pop esi
  pop edx
  pop ecx
  pop ebx
  ret

; get_system_time: EDX:EAX = Xen system time in ns (since Xen booted), read from vCPU 0's
; vcpu_time_info: system_time + (((TSC - tsc_timestamp) << tsc_shift) * tsc_to_system_mul >> 32),
; the shift to the right when tsc_shift is negative. Preserves every other register.
get_system_time:
  push ebx
  push ecx
  push esi
  push edi
  push ebp
  mov ebp, shared_info + VCPU_INFO_time
.retry:
  mov esi, [ebp + VCPU_TIME_version]
  test esi, 1
  jnz .retry                    ; odd: Xen is in the middle of an update
  rdtsc
  sub eax, [ebp + VCPU_TIME_tsc_timestamp]
  sbb edx, [ebp + VCPU_TIME_tsc_timestamp + 4]
  movsx ecx, byte [ebp + VCPU_TIME_tsc_shift]
  test ecx, ecx
  js .shift_right
  shld edx, eax, cl
  shl eax, cl
  jmp .scale
.shift_right:
  neg ecx
  shrd eax, edx, cl
  shr edx, cl
.scale:
  ; (hi:lo * mul) >> 32 = hi * mul + the high half of lo * mul (kept to 64 bits)
  mov ebx, [ebp + VCPU_TIME_tsc_to_system_mul]
  mov edi, edx
  mul ebx
  mov ecx, edx
  mov eax, edi
  mul ebx
  add eax, ecx
  adc edx, 0
  add eax, [ebp + VCPU_TIME_system_time]
  adc edx, [ebp + VCPU_TIME_system_time + 4]
  cmp esi, [ebp + VCPU_TIME_version]
  jne .retry                    ; the record changed while we read it
  pop ebp
  pop edi
  pop esi
  pop ecx
  pop ebx
  ret

; gettimeofday: EAX = seconds since 1970-01-01 UTC, EDX = microseconds: the wall clock (the
; time of day at system time 0) plus the system time. Preserves every other register.
gettimeofday:
  push ebx
  push ecx
  push esi
.retry:
  mov esi, [shared_info + SHARED_INFO_wc_version]
  test esi, 1
  jnz .retry
  call get_system_time
  add eax, [shared_info + SHARED_INFO_wc_nsec]
  adc edx, 0
  mov ecx, 1000000000
  div ecx                       ; EAX = whole seconds of system time, EDX = ns left over
  add eax, [shared_info + SHARED_INFO_wc_sec]
  cmp esi, [shared_info + SHARED_INFO_wc_version]
  jne .retry
  mov ebx, eax
  mov eax, edx
  xor edx, edx
  mov ecx, 1000
  div ecx
  mov edx, eax                  ; microseconds
  mov eax, ebx
  pop esi
  pop ecx
  pop ebx
  ret

; print_padded: writes EAX in decimal with leading zeros to ECX digits (at most 10).
; Preserves every register but EAX.
print_padded:
  push ebx
  push ecx
  push edx
  push esi
  mov esi, print_padded_buffer + 10
  mov byte [esi], 0
  mov ebx, 10
.digit:
  xor edx, edx
  div ebx
  add dl, '0'
  dec esi
  mov [esi], dl
  dec ecx
  jnz .digit
  call print
  pop esi
  pop edx
  pop ecx
  pop ebx
  ret

; print_ns: writes the ns count EDX:EAX (below 2^32 s) as seconds, a dot and nine digits.
; Preserves every register but EAX.
print_ns:
  push ecx
  push edx
  push esi
  mov ecx, 1000000000
  div ecx
  push edx
  call print_dec
  mov esi, time_dot
  call print
  pop eax
  mov ecx, 9
  call print_padded
  pop esi
  pop edx
  pop ecx
  ret

; print_timeofday: writes EAX seconds and EDX microseconds as "seconds.microseconds".
; Preserves every register but EAX.
print_timeofday:
  push ecx
  push esi
  call print_dec
  mov esi, time_dot
  call print
  mov eax, edx
  mov ecx, 6
  call print_padded
  pop esi
  pop ecx
  ret

section .data
time_dot: db ".", 0

; The page Xen's shared info is mapped over.
align 4096
shared_info: times 4096 db 0

section .bss
print_padded_buffer: resb 11

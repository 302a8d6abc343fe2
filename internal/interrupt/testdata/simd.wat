;; SIMD instructions with every kind of immediate: memory arguments, lanes,
;; 16-byte constants and shuffles, inside a loop.
(module
  (memory 1)
  (func (export "simd") (result i32)
    (local $v v128) (local $i i32)
    (v128.store (i32.const 16) (v128.const i32x4 1 2 3 4))
    (loop $l
      (local.set $v (i32x4.add (local.get $v) (v128.load (i32.const 16))))
      (local.set $v (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))
      (local.set $v (i32x4.replace_lane 3 (local.get $v) (i32x4.extract_lane 0 (local.get $v))))
      (local.set $v (v128.load32_lane 1 (i32.const 16) (local.get $v)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
    (i32x4.extract_lane 2 (local.get $v)))
)

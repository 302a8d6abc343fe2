;; Mutual recursion through tail calls runs forever without a loop: the rewrite
;; checks at the entry of functions that make tail calls.
(module
  (func $even (export "even") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else (return_call $odd (i32.sub (local.get $n) (i32.const 1))))))
  (func $odd (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (return_call $even (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "forever") (result i32)
    (return_call $forever2))
  (func $forever2 (result i32)
    (return_call 2))
)

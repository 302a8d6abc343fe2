;; A loop that never ends and counts its iterations in an exported global, so
;; that a test can wait until it spins.
(module
  (global $n (export "n") (mut i64) (i64.const 0))
  (func (export "spin")
    (loop $l
      (global.set $n (i64.add (global.get $n) (i64.const 1)))
      (br $l))))

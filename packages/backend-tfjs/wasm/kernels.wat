;; Kernels that run inside tfjs-backend-wasm's memory (imported), for work tfjs has no single kernel for.
;; Compiled by scripts/build-wasm.mjs into src/wasm/kernels-bytes.ts; a test checks the two agree.
;; Every float operation is an IEEE float32 operation (f32x4 lanes, f32 in the tail), so results are
;; bit for bit those of the same operations run one tfjs kernel at a time.
(module
  (import "tfjs" "memory" (memory 0))

  ;; One AdamW step over n elements at byte offsets p, g, m, v; writes op, om, ov (may alias the inputs).
  ;; g = g*scale; m = b1*m + c1*g; v = b2*v + c2*g*g; p = p*decay - (m / (sqrt(v) / corr + eps))*size
  ;; (each product and sum in this order: core's Ops.adamw decomposition).
  (func (export "adamw")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32)
    (param $op i32) (param $om i32) (param $ov i32) (param $n i32)
    (param $scale f32) (param $decay f32) (param $size f32) (param $corr f32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $eps f32)
    (local $i i32) (local $end i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    ;; Whole vectors of four: byte offsets 0, 16, 32, ... below end = 16 * floor(n / 4).
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4)))
    (block $done
      (loop $vectors
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gv (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (f32x4.splat (local.get $scale))))
        (local.set $mv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $b1)))
            (f32x4.mul (local.get $gv) (f32x4.splat (local.get $c1)))))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $b2)))
            (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $c2)))))
        (v128.store (i32.add (local.get $op) (local.get $i))
          (f32x4.sub
            (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $i))) (f32x4.splat (local.get $decay)))
            (f32x4.mul
              (f32x4.div
                (local.get $mv)
                (f32x4.add
                  (f32x4.div (f32x4.sqrt (local.get $vv)) (f32x4.splat (local.get $corr)))
                  (f32x4.splat (local.get $eps))))
              (f32x4.splat (local.get $size)))))
        (v128.store (i32.add (local.get $om) (local.get $i)) (local.get $mv))
        (v128.store (i32.add (local.get $ov) (local.get $i)) (local.get $vv))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors)))
    ;; The last n mod 4 elements, one at a time, with the same operations.
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.mul (f32.load (i32.add (local.get $g) (local.get $i))) (local.get $scale)))
        (local.set $ms
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
            (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $vs
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $op) (local.get $i))
          (f32.sub
            (f32.mul (f32.load (i32.add (local.get $p) (local.get $i))) (local.get $decay))
            (f32.mul
              (f32.div
                (local.get $ms)
                (f32.add (f32.div (f32.sqrt (local.get $vs)) (local.get $corr)) (local.get $eps)))
              (local.get $size))))
        (f32.store (i32.add (local.get $om) (local.get $i)) (local.get $ms))
        (f32.store (i32.add (local.get $ov) (local.get $i)) (local.get $vs))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))
;; out[j] = x[0][j] + x[1][j] + ... + x[rows-1][j] for x [rows, cols] (float32, summed row after row, in
  ;; that order): a sum over leading axes, which tfjs-backend-wasm computes by transposing first.
  (func (export "sum_rows") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $vecEnd i32) (local $rowBytes i32) (local $row i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $vecEnd (i32.shl (i32.shr_u (local.get $cols) (i32.const 2)) (i32.const 4)))
    (memory.fill (local.get $out) (i32.const 0) (local.get $rowBytes))
    (local.set $row (local.get $x))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.ge_u (local.get $j) (local.get $vecEnd)))
            (v128.store (i32.add (local.get $out) (local.get $j))
              (f32x4.add
                (v128.load (i32.add (local.get $out) (local.get $j)))
                (v128.load (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (f32.store (i32.add (local.get $out) (local.get $j))
              (f32.add
                (f32.load (i32.add (local.get $out) (local.get $j)))
                (f32.load (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))

  ;; out[a][c][b][:] = x[a][b][c][:] for x [A, B, C, D] (4-byte elements, copied bit for bit, D at a
  ;; time): a transpose that swaps two adjacent groups of axes above a contiguous run, such as attention's
  ;; head split and merge.
  (func (export "swap_axes") (param $x i32) (param $out i32) (param $A i32) (param $B i32) (param $C i32) (param $D i32)
    (local $a i32) (local $b i32) (local $c i32) (local $runBytes i32) (local $block i32) (local $src i32)
    (local.set $runBytes (i32.shl (local.get $D) (i32.const 2)))
    (block $a_done
      (loop $a_loop
        (br_if $a_done (i32.ge_u (local.get $a) (local.get $A)))
        (local.set $block (i32.add (local.get $x) (i32.mul (local.get $a) (i32.mul (i32.mul (local.get $B) (local.get $C)) (local.get $runBytes)))))
        (local.set $c (i32.const 0))
        (block $c_done
          (loop $c_loop
            (br_if $c_done (i32.ge_u (local.get $c) (local.get $C)))
            (local.set $src (i32.add (local.get $block) (i32.mul (local.get $c) (local.get $runBytes))))
            (local.set $b (i32.const 0))
            (block $b_done
              (loop $b_loop
                (br_if $b_done (i32.ge_u (local.get $b) (local.get $B)))
                (memory.copy (local.get $out) (local.get $src) (local.get $runBytes))
                (local.set $out (i32.add (local.get $out) (local.get $runBytes)))
                (local.set $src (i32.add (local.get $src) (i32.mul (local.get $C) (local.get $runBytes))))
                (local.set $b (i32.add (local.get $b) (i32.const 1)))
                (br $b_loop)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $c_loop)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $a_loop))))
;; out[a][c][r] = x[a][r][c] for A matrices x [R, C] of 4-byte elements: 4 x 4 blocks loaded as four
  ;; vectors and transposed with shuffles, then the rows and columns past the last whole block one at a time.
  (func (export "transpose_blocks") (param $x i32) (param $out i32) (param $A i32) (param $R i32) (param $C i32)
    (local $a i32) (local $r i32) (local $c i32) (local $R4 i32) (local $C4 i32)
    (local $rowBytes i32) (local $colBytes i32) (local $xb i32) (local $ob i32) (local $src i32) (local $dst i32)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $R4 (i32.and (local.get $R) (i32.const -4)))
    (local.set $C4 (i32.and (local.get $C) (i32.const -4)))
    (local.set $rowBytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $colBytes (i32.shl (local.get $R) (i32.const 2)))
    (block $a_done
      (loop $a_loop
        (br_if $a_done (i32.ge_u (local.get $a) (local.get $A)))
        (local.set $xb (i32.add (local.get $x) (i32.mul (local.get $a) (i32.mul (local.get $R) (local.get $rowBytes)))))
        (local.set $ob (i32.add (local.get $out) (i32.mul (local.get $a) (i32.mul (local.get $R) (local.get $rowBytes)))))
        ;; Whole 4 x 4 blocks.
        (local.set $r (i32.const 0))
        (block $rb_done
          (loop $rb
            (br_if $rb_done (i32.ge_u (local.get $r) (local.get $R4)))
            (local.set $c (i32.const 0))
            (block $cb_done
              (loop $cb
                (br_if $cb_done (i32.ge_u (local.get $c) (local.get $C4)))
                (local.set $src (i32.add (local.get $xb) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $C)) (local.get $c)) (i32.const 2))))
                (local.set $dst (i32.add (local.get $ob) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $R)) (local.get $r)) (i32.const 2))))
                ;; rows p, q, s, t → (p0 q0 p1 q1) (p2 q2 p3 q3) (s0 t0 s1 t1) (s2 t2 s3 t3)
                (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (v128.load (local.get $src)) (v128.load (i32.add (local.get $src) (local.get $rowBytes)))))
                (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (v128.load (local.get $src)) (v128.load (i32.add (local.get $src) (local.get $rowBytes)))))
                (local.set $src (i32.add (local.get $src) (i32.shl (local.get $rowBytes) (i32.const 1))))
                (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (v128.load (local.get $src)) (v128.load (i32.add (local.get $src) (local.get $rowBytes)))))
                (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (v128.load (local.get $src)) (v128.load (i32.add (local.get $src) (local.get $rowBytes)))))
                ;; columns: (p0 q0 s0 t0) (p1 q1 s1 t1) (p2 q2 s2 t2) (p3 q3 s3 t3)
                (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                (v128.store (i32.add (local.get $dst) (local.get $colBytes)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $colBytes) (i32.const 1))))
                (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                (v128.store (i32.add (local.get $dst) (local.get $colBytes)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $cb)))
            (local.set $r (i32.add (local.get $r) (i32.const 4)))
            (br $rb)))
        ;; Rows past the last whole block (every column), then columns past it (the blocked rows).
        (call $transpose_scalar (local.get $xb) (local.get $ob) (local.get $R) (local.get $C) (local.get $R4) (local.get $R) (i32.const 0) (local.get $C))
        (call $transpose_scalar (local.get $xb) (local.get $ob) (local.get $R) (local.get $C) (i32.const 0) (local.get $R4) (local.get $C4) (local.get $C))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $a_loop))))

  ;; out[c][r] = x[r][c] for rows [r0, r1) and columns [c0, c1) of x [R, C], one element at a time.
  (func $transpose_scalar (param $x i32) (param $out i32) (param $R i32) (param $C i32)
    (param $r0 i32) (param $r1 i32) (param $c0 i32) (param $c1 i32)
    (local $r i32) (local $c i32)
    (local.set $r (local.get $r0))
    (block $r_done
      (loop $r_loop
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $c (local.get $c0))
        (block $c_done
          (loop $c_loop
            (br_if $c_done (i32.ge_u (local.get $c) (local.get $c1)))
            (i32.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $R)) (local.get $r)) (i32.const 2)))
              (i32.load (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $C)) (local.get $c)) (i32.const 2)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $c_loop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $r_loop))))
;; Sum of x * x over n float32 elements at byte offset x, accumulated in float64 (two lanes, then the
  ;; tail): a global gradient norm's square without float32 accumulation error.
  (func (export "sum_squares") (param $x i32) (param $n i32) (result f64)
    (local $i i32) (local $end i32) (local $v v128) (local $acc v128) (local $lo v128) (local $hi v128) (local $sum f64) (local $f f64)
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4)))
    (block $done
      (loop $vectors
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.add (f64x2.mul (local.get $lo) (local.get $lo)) (f64x2.mul (local.get $hi) (local.get $hi)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors)))
    (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $f (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $i)))))
        (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $f) (local.get $f))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail)))
    (local.get $sum))
;; The tanh-form GELU's gradient over n elements, from x, s = sigmoid(2z) saved by the forward and dy:
  ;; out = dy * ((x * (s * (1 - s))) * (x*x*c1 + c2) + s), each operation float32 in this order (the same
  ;; operations backend-tfjs's closed-form gradient runs as nine tfjs kernels).
  (func (export "gelu_tanh_grad") (param $x i32) (param $s i32) (param $dy i32) (param $out i32) (param $n i32) (param $c1 f32) (param $c2 f32)
    (local $i i32) (local $end i32) (local $xv v128) (local $sv v128) (local $xs f32) (local $ss f32)
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4)))
    (block $done
      (loop $vectors
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $i))))
        (local.set $sv (v128.load (i32.add (local.get $s) (local.get $i))))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.mul
            (v128.load (i32.add (local.get $dy) (local.get $i)))
            (f32x4.add
              (f32x4.mul
                (f32x4.mul (local.get $xv) (f32x4.mul (local.get $sv) (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $sv))))
                (f32x4.add (f32x4.mul (f32x4.mul (local.get $xv) (local.get $xv)) (f32x4.splat (local.get $c1))) (f32x4.splat (local.get $c2))))
              (local.get $sv))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $xs (f32.load (i32.add (local.get $x) (local.get $i))))
        (local.set $ss (f32.load (i32.add (local.get $s) (local.get $i))))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (f32.mul
            (f32.load (i32.add (local.get $dy) (local.get $i)))
            (f32.add
              (f32.mul
                (f32.mul (local.get $xs) (f32.mul (local.get $ss) (f32.sub (f32.const 1) (local.get $ss))))
                (f32.add (f32.mul (f32.mul (local.get $xs) (local.get $xs)) (local.get $c1)) (local.get $c2)))
              (local.get $ss))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; out[p][i][j] = Σ_t A(p, i, t)·B[p][t][j] for `batch` products of [m, k]·[k, n] with n a multiple of 16,
  ;; B stored [k, n] and A(p, i, t) at a + 4·(p·m·k + i·rs + t·cs): rs, cs = k, 1 for A stored [m, k] and
  ;; 1, m for A stored [k, m], so a transposed A is read where it lies. Each output sums over t in order,
  ;; 16 columns at a time (four vectors), from 0: attention's small products in one pass each.
  (func (export "batched_matmul") (param $a i32) (param $b i32) (param $out i32) (param $batch i32)
    (param $m i32) (param $k i32) (param $n i32) (param $rs i32) (param $cs i32)
    (local $p i32) (local $i i32) (local $j i32) (local $t i32)
    (local $aMat i32) (local $bMat i32) (local $aRow i32) (local $aPtr i32) (local $bPtr i32)
    (local $rowBytes i32) (local $rsBytes i32) (local $csBytes i32)
    (local $s v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $rsBytes (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $csBytes (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $aMat (local.get $a))
    (local.set $bMat (local.get $b))
    (block $p_done
      (loop $p_loop
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $batch)))
        (local.set $aRow (local.get $aMat))
        (local.set $i (i32.const 0))
        (block $i_done
          (loop $i_loop
            (br_if $i_done (i32.ge_u (local.get $i) (local.get $m)))
            (local.set $j (i32.const 0))
            (block $j_done
              (loop $j_loop
                (br_if $j_done (i32.ge_u (local.get $j) (local.get $rowBytes)))
                (local.set $c0 (v128.const i32x4 0 0 0 0))
                (local.set $c1 (v128.const i32x4 0 0 0 0))
                (local.set $c2 (v128.const i32x4 0 0 0 0))
                (local.set $c3 (v128.const i32x4 0 0 0 0))
                (local.set $aPtr (local.get $aRow))
                (local.set $bPtr (i32.add (local.get $bMat) (local.get $j)))
                (local.set $t (i32.const 0))
                (block $t_done
                  (loop $t_loop
                    (br_if $t_done (i32.ge_u (local.get $t) (local.get $k)))
                    (local.set $s (f32x4.splat (f32.load (local.get $aPtr))))
                    (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $s) (v128.load (local.get $bPtr)))))
                    (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $bPtr)))))
                    (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $bPtr)))))
                    (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $bPtr)))))
                    (local.set $aPtr (i32.add (local.get $aPtr) (local.get $csBytes)))
                    (local.set $bPtr (i32.add (local.get $bPtr) (local.get $rowBytes)))
                    (local.set $t (i32.add (local.get $t) (i32.const 1)))
                    (br $t_loop)))
                (v128.store (local.get $out) (local.get $c0))
                (v128.store offset=16 (local.get $out) (local.get $c1))
                (v128.store offset=32 (local.get $out) (local.get $c2))
                (v128.store offset=48 (local.get $out) (local.get $c3))
                (local.set $out (i32.add (local.get $out) (i32.const 64)))
                (local.set $j (i32.add (local.get $j) (i32.const 64)))
                (br $j_loop)))
            (local.set $aRow (i32.add (local.get $aRow) (local.get $rsBytes)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $i_loop)))
        (local.set $aMat (i32.add (local.get $aMat) (i32.shl (i32.mul (local.get $m) (local.get $k)) (i32.const 2))))
        (local.set $bMat (i32.add (local.get $bMat) (i32.mul (local.get $k) (local.get $rowBytes))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $p_loop))))
)

#include "easel/diffusion/runtime.hpp"

#include <ATen/Parallel.h>
#include <malloc.h>
#include <omp.h>

#include <algorithm>
#include <climits>
#include <thread>

namespace easel::diffusion {

void initialize_runtime(int threads) {
  const int requested = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // OMP_THREAD_LIMIT (set for Tesseract, docs/typography.md) caps every OpenMP team. Asked for more
  // threads than that, oneDNN splits its kernels for threads that never start and leaves parts of some
  // products unwritten: an SD1 generation came out flat. So never ask for more than the limit.
  const int wanted = std::min(requested, omp_get_thread_limit());
  if (at::get_num_threads() != wanted) at::set_num_threads(wanted);
  // LibTorch's CPU tensors come straight from malloc. With glibc's defaults a UNet step's large
  // temporaries (5–42 MB activations) are mapped fresh and returned each time: an SD1.5 step at 512²
  // page-faulted 51 k times (0.37 s of system time, 8 % of the step). Served from the heap and kept
  // there they fault once; release_freed_memory still returns them to the system between phases.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's upper limit for this setting
  ::mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

void release_freed_memory() { ::malloc_trim(0); }

}  // namespace easel::diffusion

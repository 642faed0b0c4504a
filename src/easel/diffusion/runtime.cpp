#include "easel/diffusion/runtime.hpp"

#include <ATen/Parallel.h>
#include <malloc.h>

#include <algorithm>
#include <thread>

namespace easel::diffusion {

void initialize_runtime(int threads) {
  const int wanted = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (at::get_num_threads() != wanted) at::set_num_threads(wanted);
}

void release_freed_memory() { ::malloc_trim(0); }

}  // namespace easel::diffusion

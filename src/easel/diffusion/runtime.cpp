#include "easel/diffusion/runtime.hpp"

#include <ATen/Parallel.h>
#include <malloc.h>

#include <algorithm>
#include <thread>

namespace easel::diffusion {

void initialize_runtime() {
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  if (at::get_num_threads() != static_cast<int>(threads)) at::set_num_threads(static_cast<int>(threads));
}

void release_freed_memory() { ::malloc_trim(0); }

}  // namespace easel::diffusion

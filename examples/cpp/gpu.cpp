// An in-house resource pair that only a custom rule knows: ncnn's GPU instance.
namespace ncnn {
int create_gpu_instance();
void destroy_gpu_instance();
}  // namespace ncnn

int init_gpu_leaky() {
  return ncnn::create_gpu_instance();
}

int run_once() {
  int rc = ncnn::create_gpu_instance();
  ncnn::destroy_gpu_instance();
  return rc;
}

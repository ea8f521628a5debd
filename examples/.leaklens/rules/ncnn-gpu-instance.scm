;; id: ncnn-gpu-instance
;; language: cpp
;; severity: warning
;; message: `{{call}}` creates the ncnn Vulkan GPU instance, but this function never calls ncnn::destroy_gpu_instance(): every call leaks the instance and its device memory.
;; summary: ncnn::create_gpu_instance() without a matching destroy_gpu_instance() in the same function
;; report: call
;; unless-followed-by: (call_expression function: (qualified_identifier) @destroy (#eq? @destroy "ncnn::destroy_gpu_instance"))
;; within: function
;; not-inside: lambda_expression
(call_expression
  function: (qualified_identifier) @fn
  (#eq? @fn "ncnn::create_gpu_instance")) @call

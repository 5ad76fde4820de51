/**
 * A Kubernetes node for cluster-mode tests on machines that can run neither a kube-apiserver nor
 * containers: {@link dev.klambda.it.cluster.FakeNode} plays the Deployment controller and the
 * kubelet against the fabric8 mock API server, running each pod's containers as local processes
 * of the klambda agent on the pod's own loopback address.
 */
package dev.klambda.it.cluster;

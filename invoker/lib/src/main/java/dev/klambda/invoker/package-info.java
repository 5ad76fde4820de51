/**
 * The invoker: the front door of klambda. A request passes auth (SigV4, resource policy), resolve
 * (name, qualifier, alias weights to a version), admit (concurrency limits), dispatch (an execution
 * environment) and respond (Lambda's headers and error shapes), one package per step.
 */
package dev.klambda.invoker;

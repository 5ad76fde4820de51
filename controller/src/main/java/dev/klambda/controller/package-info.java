/**
 * The controller: reconciles Functions, Versions, Aliases and EventSourceMappings into warm pools of
 * function pods. {@code model} builds desired state (a Version in, a Deployment out) without client
 * calls; {@code demand} turns the invokers' demand reports into the demand each pool is sized for;
 * {@code reconcile} talks to the API server through the Java Operator SDK.
 */
package dev.klambda.controller;
